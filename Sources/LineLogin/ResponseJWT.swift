import Foundation
import JWTKit
import LineCore

/// Opens the `response` JWT of LINE Login's JWT response modes (`query.jwt`, `jwt`, `form_post.jwt`; JARM) with
/// jwt-kit: the HS256 signature with the channel secret, then `iss`, `aud` (the channel) and `exp` with a clock skew,
/// and returns the callback parameters it carries (`code`, `state`, … or `error`, `error_description`, `state`).
struct ResponseJWTVerifier: Sendable {
    var channelID: String
    var channelKey: ChannelSecretKey
    var issuer: String
    var clockSkew: TimeInterval = 300

    func parameters(of jwt: String, now: Date) async throws(LoginError) -> [String: String] {
        guard let header = JOSEHeader(token: jwt) else { throw .invalidResponseJWT(.malformed) }
        guard header.alg == IDTokenVerifier.Algorithm.hs256.rawValue else { throw .invalidResponseJWT(.unexpectedAlgorithm) }
        let claims: [String: JSONValue]
        do {
            claims = try await channelKey.collection().verify(jwt, as: ResponsePayload.self).claims
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw .invalidResponseJWT(.malformed)
        } catch {
            throw .invalidResponseJWT(.badSignature)
        }
        guard claims["iss"]?.stringValue == issuer else { throw .invalidResponseJWT(.wrongIssuer) }
        guard claims["aud"]?.stringValue == channelID else { throw .invalidResponseJWT(.wrongAudience) }
        guard let exp = claims["exp"]?.numberValue else { throw .invalidResponseJWT(.malformed) }
        guard exp + clockSkew > now.timeIntervalSince1970 else { throw .invalidResponseJWT(.expired) }
        var parameters: [String: String] = [:]
        for (name, value) in claims where !["iss", "aud", "exp"].contains(name) {
            if let text = value.stringValue { parameters[name] = text }
        }
        return parameters
    }
}

/// A response JWT's claims, any JSON object; `ResponseJWTVerifier` checks them after the signature.
struct ResponsePayload: JWTPayload {
    var claims: [String: JSONValue]

    init(from decoder: any Decoder) throws { claims = try decoder.singleValueContainer().decode([String: JSONValue].self) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(claims)
    }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
