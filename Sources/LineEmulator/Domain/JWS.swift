import Crypto
import Foundation
import LineCore

/// Compact JWS (RFC 7515) signing and checking for the algorithms the emulator issues: HS256 and ES256.
enum JWS {
    enum Algorithm: String {
        case hs256 = "HS256"
        case es256 = "ES256"
    }

    /// A parsed compact JWS whose signature has not been checked yet.
    struct Parsed {
        var header: [String: JSONValue]
        var payload: [String: JSONValue]
        /// The payload's JSON bytes, for decoding into a typed value.
        var payloadData: Data
        var signingInput: Data
        var signature: Data

        var algorithm: String? { header["alg"]?.stringValue }
        var keyID: String? { header["kid"]?.stringValue }
    }

    static func signHS256(payload: Data, secret: String) -> String {
        sign(header: #"{"typ":"JWT","alg":"HS256"}"#, payload: payload) { input in
            Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Data(secret.utf8))))
        }
    }

    static func signES256(payload: Data, key: P256.Signing.PrivateKey, keyID: String) throws -> String {
        var failure: (any Error)?
        let token = sign(header: #"{"typ":"JWT","alg":"ES256","kid":"\#(keyID)"}"#, payload: payload) { input in
            do {
                return P256LowS.normalized(try key.signature(for: input).rawRepresentation)
            } catch {
                failure = error
                return Data()
            }
        }
        if let failure { throw failure }
        return token
    }

    private static func sign(header: String, payload: Data, signer: (Data) -> Data) -> String {
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload)
        return signingInput + "." + Base64URL.encode(signer(Data(signingInput.utf8)))
    }

    /// Splits and decodes a compact JWS; `nil` when it is not three base64url parts holding JSON objects.
    static func parse(_ token: String) -> Parsed? {
        let utf8 = token.utf8
        guard let firstDot = utf8.firstIndex(of: UInt8(ascii: ".")),
            let secondDot = utf8[utf8.index(after: firstDot)...].firstIndex(of: UInt8(ascii: ".")),
            !utf8[utf8.index(after: secondDot)...].contains(UInt8(ascii: ".")),
            let headerData = Base64URL.decode(token[..<firstDot]),
            let payloadData = Base64URL.decode(token[token.index(after: firstDot)..<secondDot]),
            let signature = Base64URL.decode(token[token.index(after: secondDot)...]),
            let header = JSONValue(parsing: headerData)?.objectValue,
            let payload = JSONValue(parsing: payloadData)?.objectValue
        else { return nil }
        return Parsed(
            header: header,
            payload: payload,
            payloadData: payloadData,
            signingInput: Data(utf8[..<secondDot]),
            signature: signature
        )
    }

    static func verifyHS256(_ parsed: Parsed, secret: String) -> Bool {
        guard parsed.algorithm == Algorithm.hs256.rawValue else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            parsed.signature,
            authenticating: parsed.signingInput,
            using: SymmetricKey(data: Data(secret.utf8))
        )
    }

    /// Checks an ES256 signature, accepting only its low-S form (see ``P256LowS``).
    static func verifyES256(_ parsed: Parsed, key: P256.Signing.PublicKey) -> Bool {
        guard parsed.algorithm == Algorithm.es256.rawValue, P256LowS.isLowS(parsed.signature),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: parsed.signature)
        else { return false }
        return key.isValidSignature(signature, for: parsed.signingInput)
    }
}
