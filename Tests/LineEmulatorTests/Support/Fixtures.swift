import Crypto
import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

/// The seed's channels and users, and the steps of a login that most tests repeat.
enum Fixture {
    static let web = Seed.webChannel
    static let native = Seed.nativeChannel
    static let brown = Seed.defaultUsers[0]
    static let cony = Seed.defaultUsers[1]
    static let sally = Seed.defaultUsers[2]
    static let callback = "http://127.0.0.1:8080/callback"
    static let nativeCallback = "http://127.0.0.1:8080/native/callback"

    /// A v2.1 authorization URL with the given parameters (defaults for the web channel).
    static func authorizeURL(
        _ emulator: TestEmulator,
        channel: Channel = web,
        redirectURI: String = callback,
        scope: String = "profile openid",
        state: String = "state123",
        extra: [(String, String)] = []
    ) -> URL {
        let query = RawHTTP.query(
            [
                ("response_type", "code"), ("client_id", channel.channelID), ("redirect_uri", redirectURI), ("state", state),
                ("scope", scope),
            ]
                + extra
        )
        return URL(string: emulator.baseURL.absoluteString + "/oauth2/v2.1/authorize?" + query)!
    }

    /// The callback's query parameters, form-decoded: LINE writes a space as `+`, which `URLComponents` leaves alone.
    static func parameters(of url: URL) -> [String: String] {
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQueryItems ?? []
        func decode(_ text: String) -> String { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text }
        return Dictionary(items.map { (decode($0.name), decode($0.value ?? "")) }, uniquingKeysWith: { first, _ in first })
    }

    /// Logs `user` in through the consent page and returns the authorization code.
    static func code(
        _ emulator: TestEmulator,
        channel: Channel = web,
        redirectURI: String = callback,
        scope: String = "profile openid",
        user: User = brown,
        extra: [(String, String)] = []
    ) async throws -> String {
        let url = authorizeURL(emulator, channel: channel, redirectURI: redirectURI, scope: scope, extra: extra)
        let callback = try await emulator.authorize(url, choice: .allow(userID: user.userID))
        let code = try #require(parameters(of: callback)["code"])
        return code
    }

    /// A complete web login: the token response JSON.
    static func login(
        _ emulator: TestEmulator,
        scope: String = "profile openid",
        user: User = brown,
        extra: [(String, String)] = []
    ) async throws -> [String: Any] {
        let code = try await code(emulator, scope: scope, user: user, extra: extra)
        let response = try await RawHTTP(emulator).postForm(
            "/oauth2/v2.1/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", callback),
                ("client_id", web.channelID), ("client_secret", web.channelSecret),
            ]
        )
        try #require(response.status == 200, "token request failed: \(response.text)")
        return response.json
    }

    /// PKCE pair from RFC 7636 appendix B.
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    /// Decodes a JWT's header and payload without checking anything.
    static func decodeJWT(_ token: String) throws -> (header: [String: Any], payload: [String: Any]) {
        let parts = token.split(separator: ".")
        try #require(parts.count == 3)
        func decode(_ part: Substring) throws -> [String: Any] {
            var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            let data = try #require(Data(base64Encoded: base64))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        return (try decode(parts[0]), try decode(parts[1]))
    }

    static func base64URLDecode(_ string: some StringProtocol) -> Data? {
        var base64 = string.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Signs claims HS256 with `secret`, as a web-login ID token (for forging tokens in tests).
    static func signHS256(_ claims: [String: Any], secret: String, header: String = #"{"typ":"JWT","alg":"HS256"}"#) throws -> String {
        let payload = try JSONSerialization.data(withJSONObject: claims)
        let input = base64URL(Data(header.utf8)) + "." + base64URL(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(mac))
    }
}
