import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("GET /oauth2/v2.1/authorize")
struct AuthorizeTests {
    @Test("a valid request shows the login and consent page with the users and permissions")
    func consentPage() async throws {
        try await TestEmulator.run { emulator in
            let url = Fixture.authorizeURL(emulator, scope: "profile openid email", extra: [("bot_prompt", "normal")])
            let response = try await RawHTTP(emulator).get(String(url.absoluteString.dropFirst(emulator.baseURL.absoluteString.count)))
            #expect(response.status == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(response.headers.first(name: "Set-Cookie")?.hasPrefix("linekit_csrf=") == true)
            let page = response.text
            for user in Seed.defaultUsers { #expect(page.contains(user.displayName)) }
            #expect(page.contains("Log in to LineKit Web Login"))
            #expect(page.contains("Your email address"))
            #expect(
                page.contains("Add the channel&#39;s LINE Official Account") || page.contains("Add the channel's LINE Official Account")
            )
            #expect(page.contains("value=\"allow\"") && page.contains("value=\"cancel\""))
            #expect(!page.contains("<script"), "the consent page works without JavaScript")
        }
    }

    @Test("Allow redirects to the callback with a code and the state")
    func allow() async throws {
        try await TestEmulator.run { emulator in
            let callback = try await emulator.authorize(Fixture.authorizeURL(emulator), choice: .allow(userID: Fixture.brown.userID))
            let parameters = Fixture.parameters(of: callback)
            #expect(callback.absoluteString.hasPrefix(Fixture.callback + "?"))
            #expect(parameters["state"] == "state123")
            #expect(parameters["code"]?.count == 20)
            #expect(parameters["friendship_status_changed"] == nil, "only sent when bot_prompt was given")
        }
    }

    @Test("Cancel redirects with ACCESS_DENIED, LINE's description and the state")
    func cancel() async throws {
        try await TestEmulator.run { emulator in
            let callback = try await emulator.authorize(Fixture.authorizeURL(emulator), choice: .cancel)
            let parameters = Fixture.parameters(of: callback)
            #expect(parameters["error"] == "ACCESS_DENIED")
            #expect(parameters["error_description"] == "The resource owner denied the request.")
            #expect(parameters["state"] == "state123")
            #expect(parameters["code"] == nil)
        }
    }

    @Test("an unknown client_id gets an error page and no redirect", arguments: ["", "9999999999", "2000000001x"])
    func unknownClient(clientID: String) async throws {
        try await TestEmulator.run { emulator in
            let query = RawHTTP.query([
                ("response_type", "code"), ("client_id", clientID), ("redirect_uri", Fixture.callback), ("state", "s"),
                ("scope", "profile"),
            ])
            let response = try await RawHTTP(emulator).get("/oauth2/v2.1/authorize?" + query)
            #expect(response.status == 400)
            #expect(response.location == nil)
            #expect(response.text.contains("Invalid client_id"))
        }
    }

    @Test(
        "a redirect_uri that is not registered gets an error page and no redirect",
        arguments: [
            "", "http://127.0.0.1:8080/callbackx", "http://127.0.0.1:8080/other", "https://127.0.0.1:8080/callback",
            "http://127.0.0.1:8080/callback#frag", "http://evil.example/callback", "http://127.0.0.1:8080/callback?",
        ]
    )
    func unregisteredRedirect(redirectURI: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get(Self.authorizePath(redirectURI: redirectURI))
            #expect(response.status == 400)
            #expect(response.location == nil)
            #expect(response.text.contains("Invalid redirect_uri"))
        }
    }

    @Test("a registered callback URL plus added query parameters is accepted")
    func redirectWithQuery() async throws {
        try await TestEmulator.run { emulator in
            let redirect = Fixture.callback + "?next=%2Fhome&x=1"
            let url = Fixture.authorizeURL(emulator, redirectURI: redirect)
            let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.brown.userID))
            #expect(callback.absoluteString.hasPrefix(redirect + "&code="))
            let code = try #require(Fixture.parameters(of: callback)["code"])
            let token = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect),
                    ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
                ]
            )
            #expect(token.status == 200)
        }
    }

    struct RedirectedError: Sendable, CustomTestStringConvertible {
        var name: String
        var change: [String: String?]
        var error: String
        var description: String?
        var testDescription: String { name }
    }

    static let redirectedErrors: [RedirectedError] = [
        .init(
            name: "response_type token",
            change: ["response_type": "token"],
            error: "UNSUPPORTED_RESPONSE_TYPE",
            description: "response_type must be code"
        ),
        .init(name: "no response_type", change: ["response_type": nil], error: "INVALID_REQUEST", description: "response_type is required"),
        .init(name: "no state", change: ["state": nil], error: "INVALID_REQUEST", description: "state is required"),
        .init(name: "no scope", change: ["scope": nil], error: "INVALID_SCOPE", description: "scope is required"),
        .init(name: "email alone", change: ["scope": "email"], error: "INVALID_SCOPE", description: "scope must include profile or openid"),
        .init(
            name: "email without openid",
            change: ["scope": "profile email"],
            error: "INVALID_SCOPE",
            description: "the email scope requires the openid scope"
        ),
        .init(name: "unknown scope", change: ["scope": "profile chat_message.write"], error: "INVALID_SCOPE", description: nil),
        .init(
            name: "plain PKCE",
            change: ["code_challenge": Fixture.verifier, "code_challenge_method": "plain"],
            error: "INVALID_REQUEST",
            description: "code_challenge_method must be S256"
        ),
        .init(name: "challenge without method", change: ["code_challenge": Fixture.challenge], error: "INVALID_REQUEST", description: nil),
        .init(
            name: "short challenge",
            change: ["code_challenge": "abc", "code_challenge_method": "S256"],
            error: "INVALID_REQUEST",
            description: nil
        ),
        .init(
            name: "unknown prompt",
            change: ["prompt": "select_account"],
            error: "INVALID_REQUEST",
            description: "prompt must be consent, none or login"
        ),
        .init(name: "negative max_age", change: ["max_age": "-1"], error: "INVALID_REQUEST", description: nil),
        .init(name: "bad bot_prompt", change: ["bot_prompt": "always"], error: "INVALID_REQUEST", description: nil),
        .init(
            name: "bad boolean",
            change: ["disable_auto_login": "yes"],
            error: "INVALID_REQUEST",
            description: "disable_auto_login must be true or false"
        ),
        .init(
            name: "unknown response mode",
            change: ["response_mode": "fragment"],
            error: "INVALID_REQUEST",
            description: "response_mode must be query, form_post, query.jwt, jwt or form_post.jwt"
        ),
        .init(
            name: "prompt=none without a session",
            change: ["prompt": "none"],
            error: "LOGIN_REQUIRED",
            description: "The user is not logged in"
        ),
    ]

    @Test(
        "problems after client_id and redirect_uri go back to the callback with error, error_description and state",
        arguments: redirectedErrors
    )
    func redirectedError(_ testCase: RedirectedError) async throws {
        try await TestEmulator.run { emulator in
            var fields: [String: String] = [
                "response_type": "code", "client_id": Fixture.web.channelID, "redirect_uri": Fixture.callback,
                "state": "xyz", "scope": "profile openid",
            ]
            for (name, value) in testCase.change { fields[name] = value }
            let response = try await RawHTTP(emulator).get("/oauth2/v2.1/authorize?" + RawHTTP.query(fields.sorted { $0.key < $1.key }))
            #expect(response.status == 302)
            #expect(response.location?.hasPrefix(Fixture.callback + "?") == true)
            let parameters = response.locationQuery
            #expect(parameters["error"] == testCase.error)
            if let description = testCase.description { #expect(parameters["error_description"] == description) }
            #expect(parameters["error_description"]?.isEmpty == false)
            #expect(parameters["state"] == fields["state"])
            #expect(parameters["code"] == nil)
        }
    }

    @Test("a repeated parameter is an INVALID_REQUEST")
    func repeatedParameter() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get(Self.authorizePath() + "&scope=openid")
            #expect(response.status == 302)
            #expect(response.locationQuery["error"] == "INVALID_REQUEST")
            #expect(response.locationQuery["error_description"] == "scope must not be repeated")
        }
    }

    @Test("a query string with a broken percent escape gets an error page")
    func brokenEncoding() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get(Self.authorizePath() + "&nonce=%E2%28")
            #expect(response.status == 400)
            #expect(response.location == nil)
        }
    }

    @Test("the email scope needs the channel's email permission")
    func emailPermission() async throws {
        var channel = Fixture.web
        channel.emailPermission = false
        try await TestEmulator.run(seed: Seed(channels: [channel], users: Seed.defaultUsers)) { emulator in
            let url = Fixture.authorizeURL(emulator, scope: "openid email")
            let response = try await RawHTTP(emulator).get(String(url.absoluteString.dropFirst(emulator.baseURL.absoluteString.count)))
            #expect(response.locationQuery["error"] == "INVALID_SCOPE")
        }
    }

    @Test("markup in request parameters is never rendered unescaped")
    func escaping() async throws {
        try await TestEmulator.run { emulator in
            let hostile = "\"><script>alert(1)</script><img src=x onerror=alert(2)>"
            let url = Fixture.authorizeURL(emulator, state: hostile, extra: [("nonce", hostile), ("ui_locales", hostile)])
            let response = try await RawHTTP(emulator).get(String(url.absoluteString.dropFirst(emulator.baseURL.absoluteString.count)))
            #expect(response.status == 200)
            #expect(!response.text.contains("<script>alert"))
            #expect(!response.text.contains("<img src=x"))
            let badRedirect = try await RawHTTP(emulator).get(Self.authorizePath(redirectURI: "http://x/<script>alert(1)</script>"))
            #expect(!badRedirect.text.contains("<script>alert"))
        }
    }

    @Test("the consent form is rejected without the browser's CSRF cookie, or when altered")
    func csrf() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let page = try await http.get(Self.authorizePath())
            let transaction = try #require(Self.hidden("transaction", page.text))
            let csrf = try #require(Self.hidden("csrf", page.text))
            let form = [("transaction", transaction), ("csrf", csrf), ("decision", "allow"), ("user_id", Fixture.brown.userID)]
            let withoutCookie = try await http.postForm("/oauth2/v2.1/authorize/consent", form)
            #expect(withoutCookie.status == 403)
            #expect(withoutCookie.location == nil)

            let cookie = [("Cookie", "linekit_csrf=\(csrf)"), ("Content-Type", "application/x-www-form-urlencoded")]
            let altered = form.map { $0.0 == "transaction" ? ($0.0, "A" + $0.1.dropFirst()) : $0 }
            let tampered = try await http.send(
                .POST,
                "/oauth2/v2.1/authorize/consent",
                headers: cookie,
                body: Data(RawHTTP.query(altered).utf8)
            )
            #expect(tampered.status == 400)
            #expect(tampered.location == nil)

            let ok = try await http.send(.POST, "/oauth2/v2.1/authorize/consent", headers: cookie, body: Data(RawHTTP.query(form).utf8))
            #expect(ok.status == 302)
            #expect(ok.locationQuery["code"] != nil)
        }
    }

    @Test("the consent form expires after an hour")
    func consentExpiry() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let page = try await http.get(Self.authorizePath())
            let transaction = try #require(Self.hidden("transaction", page.text))
            let csrf = try #require(Self.hidden("csrf", page.text))
            emulator.clock.advance(by: 3601)
            let form = [("transaction", transaction), ("csrf", csrf), ("decision", "allow"), ("user_id", Fixture.brown.userID)]
            let response = try await http.send(
                .POST,
                "/oauth2/v2.1/authorize/consent",
                headers: [("Cookie", "linekit_csrf=\(csrf)"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(RawHTTP.query(form).utf8)
            )
            #expect(response.status == 400)
            #expect(response.text.contains("expired"))
        }
    }

    @Test("response_mode=form_post answers with a form that posts code and state to the callback")
    func formPost() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let page = try await http.get(Self.authorizePath() + "&response_mode=form_post")
            let transaction = try #require(Self.hidden("transaction", page.text))
            let csrf = try #require(Self.hidden("csrf", page.text))
            let form = [("transaction", transaction), ("csrf", csrf), ("decision", "allow"), ("user_id", Fixture.cony.userID)]
            let response = try await http.send(
                .POST,
                "/oauth2/v2.1/authorize/consent",
                headers: [("Cookie", "linekit_csrf=\(csrf)"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(RawHTTP.query(form).utf8)
            )
            #expect(response.status == 200)
            #expect(response.location == nil)
            #expect(response.text.contains("action=\"\(Fixture.callback)\""))
            #expect(Self.hidden("state", response.text) == "state123")
            #expect(Self.hidden("code", response.text)?.count == 20)
        }
    }

    @Test("bot_prompt reports friendship_status_changed: true when the user adds the account, false otherwise")
    func botPrompt() async throws {
        try await TestEmulator.run { emulator in
            let url = Fixture.authorizeURL(emulator, extra: [("bot_prompt", "aggressive")])
            let added = try await emulator.authorize(url, choice: .allow(userID: Fixture.cony.userID, addFriend: true))
            #expect(Fixture.parameters(of: added)["friendship_status_changed"] == "true")
            let again = try await emulator.authorize(url, choice: .allow(userID: Fixture.cony.userID, addFriend: true))
            #expect(Fixture.parameters(of: again)["friendship_status_changed"] == "false", "already a friend: no change")
            let declined = try await emulator.authorize(url, choice: .allow(userID: Fixture.sally.userID, addFriend: false))
            #expect(Fixture.parameters(of: declined)["friendship_status_changed"] == "false")
        }
    }

    @Test("prompt=none uses the SSO session: a code with consent, INTERACTION_REQUIRED without, LOGIN_REQUIRED past max_age")
    func promptNone() async throws {
        try await TestEmulator.run { emulator in
            let browser = BrowserSession()
            _ = try await emulator.authorize(Fixture.authorizeURL(emulator), choice: .allow(userID: Fixture.brown.userID), session: browser)

            let silent = try await emulator.authorize(
                Fixture.authorizeURL(emulator, extra: [("prompt", "none")]),
                choice: .cancel,
                session: browser
            )
            #expect(Fixture.parameters(of: silent)["code"] != nil)
            #expect(Fixture.parameters(of: silent)["state"] == "state123")

            let moreScopes = Fixture.authorizeURL(emulator, scope: "profile openid email", extra: [("prompt", "none")])
            let interaction = try await emulator.authorize(moreScopes, choice: .cancel, session: browser)
            #expect(Fixture.parameters(of: interaction)["error"] == "INTERACTION_REQUIRED")

            emulator.clock.advance(by: 120)
            let stale = Fixture.authorizeURL(emulator, extra: [("prompt", "none"), ("max_age", "60")])
            let login = try await emulator.authorize(stale, choice: .cancel, session: browser)
            #expect(Fixture.parameters(of: login)["error"] == "LOGIN_REQUIRED")
        }
    }

    @Test("GET /dialog/oauth/weblogin (v2.0): a code on Allow; errorCode 417 DISALLOWED on Cancel")
    func v2Authorize() async throws {
        try await TestEmulator.run { emulator in
            let query = RawHTTP.query([
                ("response_type", "code"), ("client_id", Fixture.web.channelID), ("redirect_uri", Fixture.callback), ("state", "v2state"),
            ])
            let url = URL(string: emulator.baseURL.absoluteString + "/dialog/oauth/weblogin?" + query)!
            let allowed = Fixture.parameters(of: try await emulator.authorize(url, choice: .allow(userID: Fixture.brown.userID)))
            #expect(allowed["code"] != nil)
            #expect(allowed["state"] == "v2state")

            let denied = Fixture.parameters(of: try await emulator.authorize(url, choice: .cancel))
            #expect(denied["error"] == "access_denied")
            #expect(denied["errorCode"] == "417")
            #expect(denied["errorMessage"] == "DISALLOWED")
            #expect(denied["error_description"] == "The user has denied the approval")
            #expect(denied["state"] == "v2state")
        }
    }

    /// The path and query of a web-channel authorization request.
    static func authorizePath(redirectURI: String = Fixture.callback) -> String {
        "/oauth2/v2.1/authorize?"
            + RawHTTP.query([
                ("response_type", "code"), ("client_id", Fixture.web.channelID), ("redirect_uri", redirectURI), ("state", "state123"),
                ("scope", "profile openid"),
            ])
    }

    static func hidden(_ name: String, _ page: String) -> String? {
        guard let start = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = page[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
