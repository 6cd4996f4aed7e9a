import Crypto
import Foundation
import LineCore

/// Opens the `response` JWT of LINE Login's JWT response modes (`query.jwt`, `jwt`, `form_post.jwt`; JARM): checks
/// the HS256 signature with the channel secret, `iss`, `aud` (the channel) and `exp` with a clock skew, and returns
/// the callback parameters it carries (`code`, `state`, … or `error`, `error_description`, `state`).
struct ResponseJWTVerifier: Sendable {
    var channelID: String
    var channelSecret: String
    var issuer: String
    var clockSkew: TimeInterval = 300

    func parameters(of jwt: String, now: Date) throws(IDTokenFailure) -> [String: String] {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
            let claims = (try? JSONSerialization.jsonObject(with: payloadData)) as? [String: Any]
        else { throw .malformed }
        guard header["alg"] as? String == "HS256" else { throw .unexpectedAlgorithm }
        let key = SymmetricKey(data: Data(channelSecret.utf8))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: key) else {
            throw .badSignature
        }
        guard claims["iss"] as? String == issuer else { throw .wrongIssuer }
        guard claims["aud"] as? String == channelID else { throw .wrongAudience }
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue else { throw .malformed }
        guard exp + clockSkew > now.timeIntervalSince1970 else { throw .expired }
        var parameters: [String: String] = [:]
        for (name, value) in claims where !["iss", "aud", "exp"].contains(name) {
            if let text = value as? String { parameters[name] = text }
        }
        return parameters
    }
}

extension IDTokenFailure: Error {}
