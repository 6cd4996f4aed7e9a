import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// The admin API and the console are two surfaces of one admin service: what is done through one is seen through the
/// other, and both refuse the same input with the same reason. One test per area.
@Suite("Admin API and console show the same state")
struct AdminConsoleParityTests {
    static func console(_ emulator: TestEmulator, _ path: String) async throws -> String {
        let response = try await RawHTTP(emulator).get("/_emulator/console" + path)
        try #require(response.status == 200, "\(response.text)")
        return response.text
    }

    @Test("channels and keys made through the admin API are on the console's Channels page")
    func channels() async throws {
        try await TestEmulator.run { emulator in
            let created = try await RawHTTP(emulator).postJSON("/_emulator/v1/channels", ["name": "Parity Shop"])
            let channelID = try #require(created.json["channelId"] as? String)
            let signer = try await AssertionSigner.register(emulator)
            let page = try await Self.console(emulator, "")
            #expect(page.contains("Parity Shop"))
            #expect(page.contains(channelID))
            #expect(page.contains(signer.keyID))
        }
    }

    @Test("users: created through either surface, listed by both; a reset through the API empties the console's list")
    func users() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let session = try await ConsoleTests.session(emulator)
            #expect(try await ConsoleTests.post(emulator, "/users", [("displayName", "Console Moon")], session: session).status == 303)
            let users = try #require(try await http.get("/_emulator/v1/users").json["users"] as? [[String: Any]])
            #expect(users.contains { $0["displayName"] as? String == "Console Moon" })

            #expect(try await http.postJSON("/_emulator/v1/users", ["displayName": "Admin Moon"]).status == 201)
            #expect(try await Self.console(emulator, "/users").contains("Admin Moon"))

            // The same refusal through both: a display name over 100 characters.
            let long = String(repeating: "x", count: 101)
            let api = try await http.postJSON("/_emulator/v1/users", ["displayName": long])
            let page = try await ConsoleTests.post(emulator, "/users", [("displayName", long)], session: session)
            #expect(api.status == 400)
            #expect(page.status == 400)
            let reason = try #require(api.json["message"] as? String)
            #expect(reason.hasPrefix("displayName of user U") && reason.hasSuffix(" must be 1 to 100 characters"))
            #expect(page.text.contains(" must be 1 to 100 characters"))

            #expect(try await http.admin(.POST, "/_emulator/v1/reset").status == 200)
            let afterReset = try await Self.console(emulator, "/users")
            #expect(!afterReset.contains("Console Moon") && !afterReset.contains("Admin Moon"))
        }
    }

    @Test("consents: a login is listed by both; a deauthorize in the console is gone from the admin API")
    func consents() async throws {
        try await TestEmulator.run { emulator in
            _ = try await Fixture.login(emulator)
            let path = "/_emulator/v1/users/\(Fixture.brown.userID)/consents"
            #expect((try await RawHTTP(emulator).get(path).json["consents"] as? [Any])?.count == 1)
            #expect(try await Self.console(emulator, "/users/\(Fixture.brown.userID)").contains("Deauthorize"))
            let deauthorized = try await ConsoleTests.post(
                emulator,
                "/users/\(Fixture.brown.userID)/deauthorize",
                [("channelId", Fixture.web.channelID)],
                session: try await ConsoleTests.session(emulator)
            )
            #expect(deauthorized.status == 303)
            #expect((try await RawHTTP(emulator).get(path).json["consents"] as? [Any])?.isEmpty == true)
            #expect(!(try await Self.console(emulator, "/users/\(Fixture.brown.userID)").contains("Deauthorize")))
        }
    }

    @Test("tokens: a channel token minted through the admin API is listed and revoked in the console")
    func tokens() async throws {
        try await TestEmulator.run { emulator in
            let minted = try await RawHTTP(emulator).admin(
                .POST,
                "/_emulator/v1/channels/\(Seed.messagingChannel.channelID)/tokens",
                ["kind": "short-lived"]
            )
            let token = try #require(minted.json["access_token"] as? String)
            #expect(try await Self.console(emulator, "/tokens").contains(String(token.prefix(12))))
            let session = try await ConsoleTests.session(emulator)
            let revoked = try await ConsoleTests.post(
                emulator,
                "/tokens/revoke",
                [("kind", "channel"), ("accessToken", token)],
                session: session
            )
            #expect(revoked.status == 303)
            #expect(try await RawHTTP(emulator).postForm("/v2/oauth/verify", [("access_token", token)]).status == 400)
            let unknown = try await ConsoleTests.post(
                emulator,
                "/tokens/revoke",
                [("kind", "channel"), ("accessToken", "nope")],
                session: session
            )
            #expect(unknown.status == 404)
        }
    }

    @Test("groups: created through either surface, listed by both; the same name is refused by both")
    func groups() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let bot = Seed.messagingChannel.channelID
            let created = try await http.postJSON(
                "/_emulator/v1/groups",
                ["groupName": "Admin Team", "memberIds": [Fixture.brown.userID], "channelIds": [bot]]
            )
            #expect(created.status == 201)
            #expect(try await Self.console(emulator, "/groups").contains("Admin Team"))

            let session = try await ConsoleTests.session(emulator)
            let fields = [("kind", "group"), ("member", Fixture.cony.userID), ("channel", bot)]
            #expect(
                try await ConsoleTests.post(emulator, "/groups", fields + [("groupName", "Console Team")], session: session).status == 303
            )
            let groups = try #require(try await http.get("/_emulator/v1/groups").json["groups"] as? [[String: Any]])
            #expect(groups.compactMap { $0["groupName"] as? String } == ["Admin Team", "Console Team"])

            let long = String(repeating: "x", count: 101)
            let api = try await http.postJSON("/_emulator/v1/groups", ["groupName": long])
            let page = try await ConsoleTests.post(emulator, "/groups", fields + [("groupName", long)], session: session)
            #expect(api.status == 400)
            #expect(page.status == 400)
            #expect(api.json["message"] as? String == "groupName must be 1 to 100 characters")
            #expect(page.text.contains("groupName must be 1 to 100 characters"))
        }
    }

    @Test("messages: a push is listed by the admin API and shown in the console")
    func messages() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            #expect(try await PushTests.push(emulator, token: token, to: Fixture.brown.userID, text: "parity hello").status == 200)
            let listed = try #require(
                try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.brown.userID)").json["messages"] as? [[String: Any]]
            )
            #expect((listed.first?["message"] as? [String: Any])?["text"] as? String == "parity hello")
            #expect(try await Self.console(emulator, "/messages?to=\(Fixture.brown.userID)").contains("parity hello"))
        }
    }

    @Test("clock: advanced through either surface, read by both; the same bound refused by both with the same reason")
    func clock() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let session = try await ConsoleTests.session(emulator)
            #expect(try await ConsoleTests.post(emulator, "/clock/advance", [("duration", "2h")], session: session).status == 303)
            #expect(try await http.get("/_emulator/v1/clock").json["offsetSeconds"] as? Double == 7200)
            #expect(try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": 60]).status == 200)
            #expect(try await Self.console(emulator, "/clock").contains("advanced by 7260 seconds"))

            let reason = EmulatorClock.AdvanceRefusal.tooLong.description
            let api = try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": 3651 * 86400])
            let page = try await ConsoleTests.post(emulator, "/clock/advance", [("duration", "3651d")], session: session)
            #expect(api.status == 400)
            #expect(api.json["message"] as? String == reason)
            #expect(page.status == 400)
            #expect(page.text.contains(reason))
            #expect(emulator.clock.offsetSeconds == 7260, "neither refusal moved the clock")
        }
    }

    @Test("faults: added and deleted through either surface, seen by both; an unknown rule is 404 on both")
    func faults() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let session = try await ConsoleTests.session(emulator)
            let fields = [("path", "/v2/profile"), ("action", "status"), ("status", "503")]
            #expect(try await ConsoleTests.post(emulator, "/faults", fields, session: session).status == 303)
            let fromConsole = try #require((try await http.get("/_emulator/v1/faults").json["faults"] as? [[String: Any]])?.first)
            #expect(fromConsole["path"] as? String == "/v2/profile")
            #expect(fromConsole["status"] as? Int == 503)

            let fromAPI = try #require(
                try await http.postJSON("/_emulator/v1/faults", ["path": "/v2/bot/*", "action": "status", "status": 502]).json["id"]
                    as? String
            )
            #expect(try await Self.console(emulator, "/faults").contains("answer 502"))
            #expect(try await ConsoleTests.post(emulator, "/faults/\(fromAPI)/delete", [], session: session).status == 303)
            let remaining = try #require(try await http.get("/_emulator/v1/faults").json["faults"] as? [[String: Any]])
            #expect(remaining.map { $0["id"] as? String } == [fromConsole["id"] as? String])

            #expect(try await http.admin(.DELETE, "/_emulator/v1/faults/\(fromAPI)").status == 404)
            #expect(try await ConsoleTests.post(emulator, "/faults/\(fromAPI)/delete", [], session: session).status == 404)
        }
    }

    @Test("rate limits: set through either surface, shown by both; the same bound refused by both with the same reason")
    func rateLimits() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            #expect(try await http.admin(.PUT, "/_emulator/v1/rate-limits", ["keyIDs": 7]).status == 200)
            #expect(try await Self.console(emulator, "/faults").contains(#"name="keyIDs" value="7""#))

            let session = try await ConsoleTests.session(emulator)
            #expect(
                try await ConsoleTests.post(emulator, "/rate-limits", [("push", "10"), ("keyIDs", "7")], session: session).status == 303
            )
            #expect(try await http.get("/_emulator/v1/rate-limits").json["push"] as? Double == 10)

            let api = try await http.admin(.PUT, "/_emulator/v1/rate-limits", ["push": 0])
            let page = try await ConsoleTests.post(emulator, "/rate-limits", [("push", "0")], session: session)
            let reason = try #require(api.json["message"] as? String)
            #expect(api.status == 400)
            #expect(page.status == 400)
            #expect(page.text.contains(reason))
            #expect(try await http.get("/_emulator/v1/rate-limits").json["push"] as? Double == 10, "neither refusal changed a rate")
        }
    }

    @Test("request log: a request is listed by the admin API and shown in the console, with the same request ID")
    func requestLog() async throws {
        try await TestEmulator.run { emulator in
            let requestID = try #require(try await RawHTTP(emulator).get("/oauth2/v2.1/certs").requestID)
            let listed = try #require(
                try await RawHTTP(emulator).get("/_emulator/v1/requests?path=/oauth2/v2.1/certs").json["requests"] as? [[String: Any]]
            )
            #expect(listed.first?["requestID"] as? String == requestID)
            #expect(try await Self.console(emulator, "/requests?path=/oauth2/v2.1/certs").contains(requestID))
        }
    }
}
