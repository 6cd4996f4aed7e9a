import Crypto
import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("JWT response modes (JARM): query.jwt, jwt, form_post.jwt")
struct JARMTests {
    /// Checks the `response` JWT's HS256 signature with the channel secret and returns its header and claims.
    static func open(_ jwt: String, secret: String = Fixture.web.channelSecret) throws -> (header: [String: Any], claims: [String: Any]) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(parts[0]).\(parts[1])".utf8),
            using: SymmetricKey(data: Data(secret.utf8))
        )
        #expect(Fixture.base64URL(Data(mac)) == String(parts[2]), "HS256 with the channel secret")
        let decoded = try Fixture.decodeJWT(jwt)
        return (decoded.header, decoded.payload)
    }

    @Test(
        "query.jwt and jwt: the callback gets only `response`, a JWT with iss, aud, exp, code and state",
        arguments: ["query.jwt", "jwt"]
    )
    func queryJWT(mode: String) async throws {
        try await TestEmulator.run { emulator in
            let url = Fixture.authorizeURL(emulator, extra: [("response_mode", mode), ("bot_prompt", "normal")])
            let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.cony.userID))
            let parameters = Fixture.parameters(of: callback)
            #expect(Array(parameters.keys) == ["response"])
            #expect(callback.absoluteString.hasPrefix(Fixture.callback + "?response=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."))
            let (header, claims) = try Self.open(try #require(parameters["response"]))
            #expect(header["alg"] as? String == "HS256")
            #expect(header["typ"] as? String == "JWT")
            #expect(claims["iss"] as? String == "https://access.line.me")
            #expect(claims["aud"] as? String == Fixture.web.channelID)
            let now = Int(emulator.clock.now.timeIntervalSince1970)
            #expect((now + 590...now + 600).contains(claims["exp"] as? Int ?? 0), "as long as the code")
            #expect(claims["state"] as? String == "state123")
            #expect(claims["friendship_status_changed"] as? String == "true")
            let code = try #require(claims["code"] as? String)

            let token = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.callback),
                    ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
                ]
            )
            #expect(token.status == 200, "the code in the JWT is a real code")
        }
    }

    @Test("errors travel in the JWT too: a cancelled login gives error, error_description and state as claims")
    func errorInJWT() async throws {
        try await TestEmulator.run { emulator in
            let url = Fixture.authorizeURL(emulator, extra: [("response_mode", "query.jwt")])
            let callback = try await emulator.authorize(url, choice: .cancel)
            let (_, claims) = try Self.open(try #require(Fixture.parameters(of: callback)["response"]))
            #expect(claims["error"] as? String == "ACCESS_DENIED")
            #expect(claims["error_description"] as? String == "The resource owner denied the request.")
            #expect(claims["state"] as? String == "state123")
        }
    }

    @Test("form_post.jwt: a form that posts only `response` to the callback")
    func formPostJWT() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let page = try await http.get(AuthorizeTests.authorizePath() + "&response_mode=form_post.jwt")
            let transaction = try #require(AuthorizeTests.hidden("transaction", page.text))
            let csrf = try #require(AuthorizeTests.hidden("csrf", page.text))
            let form = [("transaction", transaction), ("csrf", csrf), ("decision", "allow"), ("user_id", Fixture.brown.userID)]
            let response = try await http.send(
                .POST,
                "/oauth2/v2.1/authorize/consent",
                headers: [("Cookie", "linekit_csrf=\(csrf)"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(RawHTTP.query(form).utf8)
            )
            #expect(response.status == 200)
            #expect(response.location == nil)
            #expect(response.text.contains("action=\"\(Fixture.callback)\""))
            #expect(AuthorizeTests.hidden("code", response.text) == nil)
            let (_, claims) = try Self.open(try #require(AuthorizeTests.hidden("response", response.text)))
            #expect(claims["state"] as? String == "state123")
            #expect((claims["code"] as? String)?.count == 20)
        }
    }
}
