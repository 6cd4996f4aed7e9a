import Crypto
import Foundation
import LineCore

/// The claims of a LINE ID token (LINE's *Verifying ID tokens*), encoded with LINE's names; absent claims are omitted.
struct IDTokenClaims: Codable, Sendable {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var auth_time: Int?
    var nonce: String?
    var amr: [String]?
    var name: String?
    var picture: String?
    var email: String?
}

extension IDTokenClaims: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("iss", iss)
        writer.member("sub", sub)
        writer.member("aud", aud)
        writer.member("exp", exp)
        writer.member("iat", iat)
        if let auth_time { writer.member("auth_time", auth_time) }
        writer.member("nonce", ifPresent: nonce)
        if let amr {
            writer.key("amr")
            writer.beginArray()
            for method in amr { writer.string(method) }
            writer.endArray()
        }
        writer.member("name", ifPresent: name)
        writer.member("picture", ifPresent: picture)
        writer.member("email", ifPresent: email)
        writer.endObject()
    }
}

extension LoginService {
    /// Signs an ID token: HS256 with the channel secret for web login, ES256 with the emulator's key otherwise.
    func makeIDToken(for user: User, code: AuthorizationCode, channel: Channel, es256: Bool, now: Date) throws -> String {
        let seconds = Int(now.timeIntervalSince1970)
        let claims = IDTokenClaims(
            iss: issuer,
            sub: user.userID,
            aud: channel.channelID,
            exp: seconds + Int(Self.idTokenLifetime),
            iat: seconds,
            auth_time: code.authTime.map { Int($0.timeIntervalSince1970) },
            nonce: code.nonce,
            amr: code.amr,
            name: code.scopes.contains(.profile) ? user.displayName : nil,
            picture: code.scopes.contains(.profile) ? user.pictureURL : nil,
            email: code.scopes.contains(.email) ? user.email : nil
        )
        let payload = Data(claims.jsonBytes)
        if es256 {
            return try JWS.signES256(payload: payload, key: keys.idTokenKey, keyID: keys.idTokenKeyID)
        }
        return JWS.signHS256(payload: payload, secret: channel.channelSecret)
    }

    /// `POST /oauth2/v2.1/verify`: checks an ID token and returns its payload, or one of LINE's six exact errors.
    func verifyIDToken(_ form: Parameters) async throws -> Data {
        guard form.repeatedNames.isEmpty else { throw PlatformError.invalidRequest("\(form.repeatedNames[0]) must not be repeated") }
        guard let idToken = form.nonEmpty("id_token") else { throw PlatformError.invalidRequest("id_token is required") }
        guard let clientID = form.nonEmpty("client_id") else { throw PlatformError.invalidRequest("client_id is required") }
        guard let parsed = JWS.parse(idToken), try await hasValidSignature(parsed) else {
            throw PlatformError.invalidRequest("Invalid IdToken.")
        }
        let payload = parsed.payload
        guard payload["iss"]?.stringValue == issuer else { throw PlatformError.invalidRequest("Invalid IdToken Issuer.") }
        guard let exp = payload["exp"]?.numberValue, clock.now.timeIntervalSince1970 < exp else {
            throw PlatformError.invalidRequest("IdToken expired.")
        }
        guard payload["aud"]?.stringValue == clientID else { throw PlatformError.invalidRequest("Invalid IdToken Audience.") }
        if let nonce = form.nonEmpty("nonce"), payload["nonce"]?.stringValue != nonce {
            throw PlatformError.invalidRequest("Invalid IdToken Nonce.")
        }
        if let userID = form.nonEmpty("user_id"), payload["sub"]?.stringValue != userID {
            throw PlatformError.invalidRequest("Invalid IdToken Subject Identifier.")
        }
        // The payload exactly as it was signed, as LINE answers it.
        return parsed.payloadData
    }

    /// HS256 tokens are checked with the secret of the channel named in `aud`; ES256 tokens with the emulator's key.
    private func hasValidSignature(_ parsed: JWS.Parsed) async throws -> Bool {
        switch parsed.algorithm {
        case JWS.Algorithm.hs256.rawValue:
            guard let audience = parsed.payload["aud"]?.stringValue, let channel = try await loginChannel(audience) else { return false }
            return JWS.verifyHS256(parsed, secret: channel.channelSecret)
        case JWS.Algorithm.es256.rawValue:
            guard parsed.keyID == keys.idTokenKeyID else { return false }
            return JWS.verifyES256(parsed, key: keys.idTokenKey.publicKey)
        default:
            return false
        }
    }
}

/// The emulator's JSON encoder: no escaped slashes (tokens and URLs stay readable), members sorted by name, so
/// identical requests get byte-identical answers (the encoder alone would order them by hash, which varies by process).
enum JSONEncoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()
}
