import Crypto
import CryptoExtras
import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// An RSA key pair registered on a channel, and JWT assertions signed with it (reference §4.6), built by hand so the
/// emulator is tested against the documented format rather than against the SDK.
struct AssertionSigner {
    let privateKey: _RSA.Signing.PrivateKey
    let keyID: String
    let channelID: String

    /// The public JWK in the form LINE's console accepts.
    static func publicJWK(of key: _RSA.Signing.PrivateKey) throws -> [String: Any] {
        let primitives = try key.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "alg": "RS256", "use": "sig", "n": Fixture.base64URL(primitives.modulus),
            "e": Fixture.base64URL(primitives.publicExponent),
        ]
    }

    /// Generates a key pair and registers its public half on `channelID` through the admin API.
    static func register(_ emulator: TestEmulator, channelID: String = Seed.messagingChannelID) async throws -> AssertionSigner {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let response = try await RawHTTP(emulator).postJSON("/_emulator/v1/channels/\(channelID)/keys", try publicJWK(of: key))
        try #require(response.status == 201, "\(response.text)")
        return AssertionSigner(privateKey: key, keyID: try #require(response.json["kid"] as? String), channelID: channelID)
    }

    /// A signed assertion; `claims` and `header` override or remove (with `NSNull`) the defaults.
    func assertion(now: Date, claims overrides: [String: Any] = [:], keyID: String? = nil, header headerOverrides: [String: Any] = [:])
        throws -> String
    {
        var claims: [String: Any] = [
            "iss": channelID, "sub": channelID, "aud": "https://api.line.me/",
            "exp": Int(now.timeIntervalSince1970) + 1800, "token_exp": 86400,
        ]
        for (name, value) in overrides { claims[name] = value is NSNull ? nil : value }
        var headerFields: [String: Any] = ["alg": "RS256", "typ": "JWT", "kid": keyID ?? self.keyID]
        for (name, value) in headerOverrides { headerFields[name] = value is NSNull ? nil : value }
        let header = try JSONSerialization.data(withJSONObject: headerFields)
        let input = Fixture.base64URL(header) + "." + Fixture.base64URL(try JSONSerialization.data(withJSONObject: claims))
        let signature = try privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Fixture.base64URL(signature.rawRepresentation)
    }

    /// `POST /oauth2/v2.1/token` with an assertion.
    func issue(_ emulator: TestEmulator, assertion: String) async throws -> RawResponse {
        try await RawHTTP(emulator).postForm(
            "/oauth2/v2.1/token",
            [
                ("grant_type", "client_credentials"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ]
        )
    }
}

extension Seed {
    static let messagingChannelID = Seed.messagingChannel.channelID
}
