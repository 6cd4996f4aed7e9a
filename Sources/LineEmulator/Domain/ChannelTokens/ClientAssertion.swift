import Crypto
import CryptoExtras
import Foundation
import LineCore

/// A verified JWT assertion (RFC 7523) for issuing v2.1 and stateless channel access tokens (LINE's *Issue channel access token v2.1* page).
struct ClientAssertion: Sendable {
    static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    static let audience = "https://api.line.me/"
    static let maximumLifetime: TimeInterval = 30 * 60
    static let maximumTokenLifetime = 30 * 24 * 3600

    var channelID: String
    var keyID: String
    /// `token_exp`: the requested token lifetime in seconds, when present.
    var tokenLifetime: Int?

    /// Checks `client_assertion_type` and `client_assertion`: `alg` RS256 and `typ` JWT, the key by `kid`, the RS256
    /// signature, `iss` = `sub` = the key's channel, `aud`, and `exp` at most 30 minutes ahead. Numbers may be JSON
    /// numbers or numeric strings.
    static func verify(type: String?, assertion: String?, store: any EmulatorStore, now: Date) async throws -> ClientAssertion {
        guard let type, !type.isEmpty else { throw PlatformError.invalidRequest("client_assertion_type is required") }
        guard type == Self.type else { throw PlatformError.invalidRequest("client_assertion_type must be \(Self.type)") }
        guard let assertion, !assertion.isEmpty else { throw PlatformError.invalidRequest("client_assertion is required") }
        guard let parsed = JWS.parse(assertion) else { throw PlatformError.invalidClient("Invalid client_assertion: not a JWT") }
        guard parsed.algorithm == "RS256" else { throw PlatformError.invalidClient("Invalid alg: RS256 is required") }
        // LINE's assertion header has `typ: JWT` as a required field.
        guard parsed.header["typ"]?.stringValue == "JWT" else { throw PlatformError.invalidClient("Invalid typ") }
        guard let keyID = parsed.keyID, let key = try await store.channelKey(keyID: keyID) else {
            throw PlatformError.message(404, "Cannot find channel key that satisfies the conditions")
        }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: parsed.payloadData) else {
            throw PlatformError.invalidClient("Invalid client_assertion: exp and token_exp must be numbers")
        }
        guard let issuer = claims.iss, issuer == key.channelID else {
            throw PlatformError.invalidClient("iss and clientId of key do not match")
        }
        guard claims.sub == issuer else { throw PlatformError.invalidClient("iss and sub do not match") }
        guard let signature = try? _RSA.Signing.RSASignature(rawRepresentation: parsed.signature),
            (try? key.publicKey())?.isValidSignature(signature, for: SHA256.hash(data: parsed.signingInput), padding: .insecurePKCS1v1_5)
                == true
        else {
            throw PlatformError.invalidClient("Invalid signature")
        }
        guard claims.aud == Self.audience else { throw PlatformError.invalidClient("Invalid aud") }
        let seconds = now.timeIntervalSince1970
        guard let expiry = claims.exp?.value, Double(expiry) > seconds, Double(expiry) <= seconds + maximumLifetime else {
            throw PlatformError.invalidClient("Invalid exp")
        }
        var tokenLifetime: Int?
        if let requested = claims.token_exp {
            guard (1...maximumTokenLifetime).contains(requested.value) else { throw PlatformError.invalidClient("Invalid token_exp") }
            tokenLifetime = requested.value
        }
        return ClientAssertion(channelID: key.channelID, keyID: keyID, tokenLifetime: tokenLifetime)
    }

    private struct Claims: Decodable {
        var iss: String?
        var sub: String?
        var aud: String?
        var exp: NumericValue?
        var token_exp: NumericValue?
    }

    /// A JSON integer or a string of digits (one of LINE's own examples encodes `exp` and `token_exp` as strings).
    private struct NumericValue: Decodable {
        var value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                value = number
            } else if let text = try? container.decode(String.self), let number = Int(text) {
                value = number
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an integer")
            }
        }
    }
}
