import Crypto
import Foundation
import LineCore

/// The emulator's own keys, persisted in the store so tokens, ID tokens and pending consent forms survive restarts
/// and are shared by every instance on one database.
struct SigningKeys: Sendable {
    /// Signs ES256 ID tokens; its public half is served at `/oauth2/v2.1/certs`.
    let idTokenKey: P256.Signing.PrivateKey
    /// The `kid` of `idTokenKey`: SHA-256 of the public key, in hex (64 characters, like LINE's).
    let idTokenKeyID: String
    /// Authenticates values the emulator hands to browsers and clients (consent transactions, cookies, tokens).
    let sealingKey: SymmetricKey
    /// HMAC already keyed with `sealingKey`: each seal copies it instead of deriving the inner and outer keys again.
    private let sealingMAC: HMAC<SHA256>

    init(idTokenKey: P256.Signing.PrivateKey, sealingKey: SymmetricKey) {
        self.idTokenKey = idTokenKey
        self.sealingKey = sealingKey
        self.sealingMAC = HMAC(key: sealingKey)
        self.idTokenKeyID = SHA256.hash(data: idTokenKey.publicKey.rawRepresentation).map { String(format: "%02x", $0) }.joined()
    }

    /// Loads the keys from the store, creating them on first use.
    static func load(from store: any EmulatorStore) async throws -> SigningKeys {
        let idKey = try await store.secret(named: "id-token-es256") { P256.Signing.PrivateKey().rawRepresentation }
        let sealing = try await store.secret(named: "sealing-hs256") { Data(Randomness.bytes(32)) }
        return SigningKeys(
            idTokenKey: try P256.Signing.PrivateKey(rawRepresentation: idKey),
            sealingKey: SymmetricKey(data: sealing)
        )
    }

    /// The JWKS document served at `/oauth2/v2.1/certs`, serialized once.
    var jwksJSON: Data {
        (try? JSONSerialization.data(withJSONObject: jwks, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data(#"{"keys":[]}"#.utf8)
    }

    /// The JWKS document served at `/oauth2/v2.1/certs`.
    var jwks: [String: Any] {
        let raw = idTokenKey.publicKey.rawRepresentation
        return [
            "keys": [
                [
                    "kty": "EC", "alg": "ES256", "use": "sig", "crv": "P-256", "kid": idTokenKeyID,
                    "x": Base64URL.encode(raw.prefix(32)), "y": Base64URL.encode(raw.suffix(32)),
                ]
            ]
        ]
    }

    /// `payload` with an HMAC over a purpose label, so a value sealed for one use cannot be replayed in another.
    func seal(_ payload: Data, purpose: String) -> String {
        let encoded = Base64URL.encode(payload)
        return encoded + "." + Base64URL.encode(mac(encoded, purpose: purpose))
    }

    /// The payload of a value made by `seal(_:purpose:)`, or `nil` if it was altered or sealed for another purpose.
    func open(_ sealed: String, purpose: String) -> Data? {
        let parts = sealed.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2, let tag = Base64URL.decode(utf8: parts[1]), let payload = Base64URL.decode(utf8: parts[0]) else {
            return nil
        }
        var authenticated = Data(purpose.utf8)
        authenticated.append(UInt8(ascii: ":"))
        authenticated.append(contentsOf: parts[0])
        var mac = sealingMAC
        mac.update(data: authenticated)
        guard mac.finalize() == tag else { return nil }  // constant time
        return payload
    }

    /// A token made of a sealed `payload` in the form LINE's tokens have: a JWS header (`{"alg":"HS256"}`), a dot,
    /// then the sealed value.
    func sealToken(_ payload: Data, purpose: String) -> String {
        Self.tokenHeader + seal(payload, purpose: purpose)
    }

    /// The payload of a token made by `sealToken(_:purpose:)`, or `nil` for any other token.
    func openToken(_ token: String, purpose: String) -> Data? {
        guard token.hasPrefix(Self.tokenHeader) else { return nil }
        return open(String(token.dropFirst(Self.tokenHeader.count)), purpose: purpose)
    }

    private static let tokenHeader = "eyJhbGciOiJIUzI1NiJ9."

    private func mac(_ encoded: String, purpose: String) -> Data {
        var mac = sealingMAC
        mac.update(data: Data("\(purpose):\(encoded)".utf8))
        return Data(mac.finalize())
    }
}
