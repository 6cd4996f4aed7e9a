import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Console /_emulator/console")
struct ConsoleTests {
    /// A browser's console session: its cookie and a form token rendered for it.
    struct Session {
        var cookie: String
        var token: String
    }

    /// Opens a console page as a new browser would, keeping the session cookie it sets and the page's form token.
    static func session(_ emulator: TestEmulator) async throws -> Session {
        let page = try await RawHTTP(emulator).get("/_emulator/console/users")
        let setCookie = try #require(page.headers.first(name: "Set-Cookie"))
        return Session(cookie: String(setCookie.prefix { $0 != ";" }), token: try #require(AuthorizeTests.hidden("token", page.text)))
    }

    /// Posts a console form; with a session, as that browser (its cookie and token), else as a page without either.
    static func post(
        _ emulator: TestEmulator,
        _ path: String,
        _ fields: [(String, String)],
        session: Session? = nil,
        headers: [(String, String)] = []
    ) async throws -> RawResponse {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")] + headers
        var fields = fields
        if let session {
            headers.append(("Cookie", session.cookie))
            fields.insert(("token", session.token), at: 0)
        }
        return try await RawHTTP(emulator).send(
            .POST,
            "/_emulator/console" + path,
            headers: headers,
            body: Data(RawHTTP.query(fields).utf8)
        )
    }

    @Test(
        "every console page renders as HTML without JavaScript",
        arguments: [
            "", "/users", "/users/U1f2a3b4c5d6e7f8091a2b3c4d5e6f701", "/groups", "/tokens", "/messages", "/requests", "/faults", "/clock",
        ]
    )
    func pages(path: String) async throws {
        try await TestEmulator.run { emulator in
            _ = try await Fixture.login(emulator)
            let response = try await RawHTTP(emulator).get("/_emulator/console" + path)
            #expect(response.status == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(response.text.contains("LineKit emulator"))
            #expect(!response.text.contains("<script"))
        }
    }

    @Test("channels show their secret only inside a closed details element; users and tokens are listed")
    func content() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let channels = try await http.get("/_emulator/console").text
            #expect(channels.contains("<details><summary>Show secret</summary><code>\(Fixture.web.channelSecret)</code></details>"))
            #expect(channels.contains("http://127.0.0.1:8080/callback"))
            _ = try await Fixture.login(emulator)
            let tokens = try await http.get("/_emulator/console/tokens").text
            #expect(tokens.contains(Fixture.brown.userID))
            #expect(tokens.contains("valid"))
            let user = try await http.get("/_emulator/console/users/\(Fixture.brown.userID)").text
            #expect(user.contains("LineKit Web Login"))
            #expect(user.contains("Deauthorize"))
        }
    }

    @Test("console forms need the console's token")
    func csrf() async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.post(emulator, "/users", [("displayName", "Mallory")])
            #expect(response.status == 403)
            let users = try await RawHTTP(emulator).get("/_emulator/v1/users").json["users"] as? [Any]
            #expect(users?.count == 3)
        }
    }

    @Test("create and edit a user, with markup escaped and friendships set")
    func users() async throws {
        try await TestEmulator.run { emulator in
            let session = try await Self.session(emulator)
            let created = try await Self.post(
                emulator,
                "/users",
                [("displayName", "<b>Moon</b>"), ("email", "moon@example.com")],
                session: session
            )
            #expect(created.status == 303)
            #expect(created.location == "/_emulator/console/users")
            let page = try await RawHTTP(emulator).get("/_emulator/console/users").text
            #expect(page.contains("&lt;b&gt;Moon&lt;/b&gt;"))
            #expect(!page.contains("<b>Moon</b>"))

            let edited = try await Self.post(
                emulator,
                "/users/\(Fixture.sally.userID)",
                [
                    ("displayName", "Sally 2"), ("statusMessage", "new"), ("friend", Seed.messagingChannel.channelID),
                ],
                session: session
            )
            #expect(edited.status == 303)
            let users = try #require(try await RawHTTP(emulator).get("/_emulator/v1/users").json["users"] as? [[String: Any]])
            let sally = try #require(users.first { $0["userId"] as? String == Fixture.sally.userID })
            #expect(sally["displayName"] as? String == "Sally 2")
            #expect(sally["statusMessage"] as? String == "new")
            let accessToken = try #require(try await Fixture.login(emulator, user: Fixture.sally)["access_token"] as? String)
            #expect(try await RawHTTP(emulator).get("/friendship/v1/status", bearer: accessToken).json["friendFlag"] as? Bool == true)
        }
    }

    @Test("Deauthorize in the console removes the app and kills the user's tokens")
    func deauthorize() async throws {
        try await TestEmulator.run { emulator in
            let accessToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            let response = try await Self.post(
                emulator,
                "/users/\(Fixture.brown.userID)/deauthorize",
                [("channelId", Fixture.web.channelID)],
                session: try await Self.session(emulator)
            )
            #expect(response.status == 303)
            #expect(try await RawHTTP(emulator).get("/v2/profile", bearer: accessToken).status == 401)
        }
    }

    @Test("Revoke in the console ends a user token and a channel token")
    func revoke() async throws {
        try await TestEmulator.run { emulator in
            let session = try await Self.session(emulator)
            let accessToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            _ = try await Self.post(emulator, "/tokens/revoke", [("kind", "user"), ("accessToken", accessToken)], session: session)
            #expect(
                try await VerifyRevokeTests.verify(emulator, accessToken).json["error_description"] as? String == "The access token revoked"
            )
            let channelToken = try #require(try await ChannelTokenTests.issueShortLived(emulator).json["access_token"] as? String)
            _ = try await Self.post(emulator, "/tokens/revoke", [("kind", "channel"), ("accessToken", channelToken)], session: session)
            #expect(try await RawHTTP(emulator).postForm("/v2/oauth/verify", [("access_token", channelToken)]).status == 400)
        }
    }

    @Test("the clock advances by a written duration")
    func clock() async throws {
        try await TestEmulator.run { emulator in
            let before = emulator.clock.now
            let response = try await Self.post(
                emulator,
                "/clock/advance",
                [("duration", "2h")],
                session: try await Self.session(emulator)
            )
            #expect(response.status == 303)
            #expect(emulator.clock.now.timeIntervalSince(before) == 7200)
            let invalid = try await Self.post(
                emulator,
                "/clock/advance",
                [("duration", "soon")],
                session: try await Self.session(emulator)
            )
            #expect(invalid.status == 400)
        }
    }

    @Test("pushed messages show as a chat per user")
    func messages() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            _ = try await PushTests.push(
                emulator,
                token: token,
                to: Fixture.cony.userID,
                text: "Welcome, <Cony>!",
                retryKey: "6f1c2a34-0b7e-4c5d-9e8f-1a2b3c4d5e6f"
            )
            let page = try await RawHTTP(emulator).get("/_emulator/console/messages?to=\(Fixture.cony.userID)").text
            #expect(page.contains("Welcome, &lt;Cony&gt;!"))
            #expect(page.contains("6f1c2a34-0b7e-4c5d-9e8f-1a2b3c4d5e6f"))
        }
    }

    @Test("fault rules and rate limits can be set from the console")
    func faultsForm() async throws {
        try await TestEmulator.run { emulator in
            let session = try await Self.session(emulator)
            let added = try await Self.post(
                emulator,
                "/faults",
                [
                    ("method", "POST"), ("path", "/oauth2/v2.1/token"), ("action", "status"), ("status", "503"), ("count", "1"),
                ],
                session: session
            )
            #expect(added.status == 303)
            let page = try await RawHTTP(emulator).get("/_emulator/console/faults").text
            #expect(page.contains("answer 503"))
            let limits = try await Self.post(emulator, "/rate-limits", [("push", "10"), ("shortLivedIssue", "")], session: session)
            #expect(limits.status == 303)
            let rates = try await RawHTTP(emulator).get("/_emulator/v1/rate-limits").json
            #expect(rates["push"] as? Double == 10)
            #expect(rates["shortLivedIssue"] == nil)
        }
    }
}

@Suite("Fault injection and the request log")
struct FaultTests {
    static func addFault(_ emulator: TestEmulator, _ rule: [String: Any]) async throws -> RawResponse {
        try await RawHTTP(emulator).postJSON("/_emulator/v1/faults", rule)
    }

    @Test("a status fault answers LINE's body for the endpoint family, for `count` requests")
    func statusFault() async throws {
        try await TestEmulator.run { emulator in
            let added = try await Self.addFault(
                emulator,
                ["method": "POST", "path": "/oauth2/v2.1/token", "action": "status", "status": 500, "count": 2]
            )
            #expect(added.status == 201)
            #expect((added.json["id"] as? String)?.hasPrefix("fault-") == true)
            let code = try await Fixture.code(emulator)
            for _ in 0..<2 {
                let failed = try await TokenTests.exchange(emulator, code: code)
                #expect(failed.status == 500)
                #expect(failed.json["error"] as? String == "server_error")
                #expect(failed.requestID?.count == 16)
            }
            #expect(try await TokenTests.exchange(emulator, code: code).status == 200, "the code was not used by the failed attempts")
            #expect((try await RawHTTP(emulator).get("/_emulator/v1/faults").json["faults"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a Messaging-family fault has a {message} body; 429 has LINE's rate-limit text")
    func messagingFault() async throws {
        try await TestEmulator.run { emulator in
            _ = try await Self.addFault(emulator, ["path": "/v2/bot/*", "action": "status", "status": 429])
            let token = try await PushTests.token(emulator)
            let response = try await PushTests.push(emulator, token: token, to: Fixture.brown.userID, text: "x")
            #expect(response.status == 429)
            #expect(response.json["message"] as? String == "The API rate limit has been exceeded. Try again later.")
        }
    }

    @Test("a fault can be limited to one channel")
    func channelFault() async throws {
        try await TestEmulator.run { emulator in
            _ = try await Self.addFault(
                emulator,
                ["path": "/v2/profile", "action": "status", "status": 500, "channelId": Fixture.native.channelID]
            )
            let webToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            #expect(try await RawHTTP(emulator).get("/v2/profile", bearer: webToken).status == 200)
            let nativeCode = try await Fixture.code(emulator, channel: Fixture.native, redirectURI: Fixture.nativeCallback)
            let nativeToken = try #require(
                try await RawHTTP(emulator).postForm(
                    "/oauth2/v2.1/token",
                    [
                        ("grant_type", "authorization_code"), ("code", nativeCode), ("redirect_uri", Fixture.nativeCallback),
                        ("client_id", Fixture.native.channelID),
                    ]
                ).json["access_token"] as? String
            )
            #expect(try await RawHTTP(emulator).get("/v2/profile", bearer: nativeToken).status == 500)
        }
    }

    @Test("latency and dropped connections")
    func latencyAndDrop() async throws {
        try await TestEmulator.run { emulator in
            _ = try await Self.addFault(emulator, ["path": "/oauth2/v2.1/certs", "action": "latency", "latencyMs": 300, "count": 1])
            let started = ContinuousClock.now
            #expect(try await RawHTTP(emulator).get("/oauth2/v2.1/certs").status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(300))

            _ = try await Self.addFault(emulator, ["path": "/oauth2/v2.1/certs", "action": "drop", "count": 1])
            await #expect(throws: (any Error).self) { _ = try await RawHTTP(emulator).get("/oauth2/v2.1/certs") }
            #expect(try await RawHTTP(emulator).get("/oauth2/v2.1/certs").status == 200)
        }
    }

    @Test(
        "invalid rules are refused",
        arguments: [
            ["path": "oauth", "action": "status"], ["path": "/x", "action": "explode"], ["path": "/x", "action": "status", "status": 200],
            ["path": "/x", "action": "latency"], ["path": "/x", "action": "drop", "probability": 2],
            ["path": "/_emulator/v1/health", "action": "drop"],
        ] as [[String: any Sendable]]
    )
    func invalidRules(rule: [String: any Sendable]) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.addFault(emulator, rule)
            #expect(response.status == 400)
        }
    }

    @Test("the request log lists method, path without query, status and request ID, newest first")
    func requestLog() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let failed = try await http.get("/oauth2/v2.1/verify?access_token=secret-token")
            let log = try #require(
                try await http.get("/_emulator/v1/requests?path=/oauth2/v2.1/verify").json["requests"] as? [[String: Any]]
            )
            let entry = try #require(log.first)
            #expect(entry["method"] as? String == "GET")
            #expect(entry["path"] as? String == "/oauth2/v2.1/verify")
            #expect(entry["status"] as? Int == 400)
            #expect(entry["requestID"] as? String == failed.requestID)
            #expect(!(try await http.get("/_emulator/v1/requests").text.contains("secret-token")), "query strings are not logged")
        }
    }
}
