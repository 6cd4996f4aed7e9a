import Foundation
import LineCore

extension LoginService {
    /// How long a JARM `response` JWT is valid: as long as the code it carries.
    static let responseJWTLifetime = codeLifetime

    /// The response as the browser delivers it. For the JWT response modes (JARM) the parameters become one JWT in
    /// `response`: claims `iss`, `aud` (the channel ID) and `exp`, then the parameters as strings, signed HS256 with
    /// the channel secret (the header of LINE's documented example is `{"typ":"JWT","alg":"HS256"}`; LINE does not
    /// document the key, so the emulator uses the channel secret, as for web-login ID tokens: see docs/FIDELITY.md).
    func delivered(_ response: AuthorizationResponse) async throws -> AuthorizationResponse {
        guard response.mode.isJWT else { return response }
        guard let channel = try await store.channel(id: response.channelID) else {
            throw PlatformError.page(400, "Invalid request", "The channel of this login no longer exists.")
        }
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.member("iss", issuer)
        writer.member("aud", channel.channelID)
        writer.member("exp", Int(clock.now.addingTimeInterval(Self.responseJWTLifetime).timeIntervalSince1970))
        for (name, value) in response.parameters { writer.member(name, value) }
        writer.endObject()
        let jwt = JWS.signHS256(payload: Data(writer.bytes), secret: channel.channelSecret)
        return AuthorizationResponse(
            redirectURI: response.redirectURI,
            parameters: [("response", jwt)],
            mode: response.mode.transport == .formPost ? .formPost : .query,
            channelID: response.channelID
        )
    }
}
