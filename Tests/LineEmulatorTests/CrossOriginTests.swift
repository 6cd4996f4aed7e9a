import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// A web page the developer opens must not drive the admin API or the console through their browser (issue 16, item 2).
@Suite("Cross-origin requests to the admin API and console")
struct CrossOriginTests {
    /// Every state-changing admin request, as a page could send it without a CORS preflight.
    static let stateChanges: [(HTTPMethod, String)] = [
        (.POST, "/_emulator/v1/reset"), (.POST, "/_emulator/v1/channels"), (.POST, "/_emulator/v1/channels/2000000001/tokens"),
        (.POST, "/_emulator/v1/channels/2000000002/keys"), (.POST, "/_emulator/v1/users"), (.POST, "/_emulator/v1/faults"),
        (.DELETE, "/_emulator/v1/faults"), (.DELETE, "/_emulator/v1/faults/f1"), (.PUT, "/_emulator/v1/rate-limits"),
        (.POST, "/_emulator/v1/clock/advance"),
    ]

    @Test(
        "a state-changing admin request without Content-Type: application/json is refused with 415",
        arguments: [nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
    )
    func simpleRequests(contentType: String?) async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let before = emulator.clock.now
            _ = try await http.admin(.POST, "/_emulator/v1/faults", ["path": "/v2/profile", "action": "latency", "latencyMs": 1])
            for (method, path) in Self.stateChanges {
                let response = try await http.send(
                    method,
                    path,
                    headers: contentType.map { [("Content-Type", $0)] } ?? [],
                    body: Data(#"{"displayName":"Mallory","seconds":86400,"kind":"stateless"}"#.utf8)
                )
                #expect(response.status == 415, "\(method) \(path): \(response.status) \(response.text)")
                #expect((response.json["message"] as? String)?.contains("application/json") == true, "\(response.text)")
            }
            #expect((try await http.get("/_emulator/v1/users").json["users"] as? [Any])?.count == 3)
            #expect((try await http.get("/_emulator/v1/faults").json["faults"] as? [Any])?.count == 1)
            #expect(emulator.clock.now == before)
        }
    }

    @Test("an admin request with JSON and no body is accepted where the body is optional")
    func jsonWithoutBody() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let reset = try await http.admin(.POST, "/_emulator/v1/reset")
            #expect(reset.status == 200)
            let minted = try await http.admin(.POST, "/_emulator/v1/channels/2000000002/tokens")
            #expect(minted.status == 201)
            let cleared = try await http.admin(.DELETE, "/_emulator/v1/faults")
            #expect(cleared.status == 204)
        }
    }

    @Test("an admin request from another origin is refused, also a read and also with JSON")
    func foreignOrigin() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            for origin in ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1.evil.example"] {
                let reset = try await http.admin(.POST, "/_emulator/v1/users", ["displayName": "Mallory"], headers: [("Origin", origin)])
                #expect(reset.status == 403, "\(origin): \(reset.text)")
                #expect(reset.json["message"] is String)
                #expect(try await http.get("/_emulator/v1/channels", headers: [("Origin", origin)]).status == 403)
            }
            let own = try await http.admin(.POST, "/_emulator/v1/reset", headers: [("Origin", emulator.baseURL.absoluteString)])
            #expect(own.status == 200, "the emulator's own origin is fine")
            #expect((try await http.get("/_emulator/v1/users").json["users"] as? [Any])?.count == 3)
        }
    }

    @Test("console forms need this browser's session token: another session's token, none, or a foreign origin are refused")
    func consoleSessions() async throws {
        try await TestEmulator.run { emulator in
            let alice = try await ConsoleTests.session(emulator)
            let bob = try await ConsoleTests.session(emulator)
            #expect(alice.cookie != bob.cookie)
            let again = try await RawHTTP(emulator).get("/_emulator/console/users", headers: [("Cookie", alice.cookie)])
            #expect(again.headers.first(name: "Set-Cookie") == nil, "a known session keeps its cookie")
            #expect(AuthorizeTests.hidden("token", again.text) != alice.token, "every page renders a fresh token")
            let crossed = ConsoleTests.Session(cookie: bob.cookie, token: alice.token)
            #expect(try await ConsoleTests.post(emulator, "/users", [("displayName", "Mallory")], session: crossed).status == 403)
            let noCookie = try await ConsoleTests.post(emulator, "/users", [("token", alice.token), ("displayName", "Mallory")])
            #expect(noCookie.status == 403)
            for header in [("Origin", "http://evil.example"), ("Referer", "http://evil.example/page")] {
                let forged = try await ConsoleTests.post(
                    emulator,
                    "/users",
                    [("displayName", "Mallory")],
                    session: alice,
                    headers: [header]
                )
                #expect(forged.status == 403, "\(header)")
            }
            #expect((try await RawHTTP(emulator).get("/_emulator/v1/users").json["users"] as? [Any])?.count == 3)
            let own = try await ConsoleTests.post(
                emulator,
                "/users",
                [("displayName", "Moon")],
                session: alice,
                headers: [
                    ("Origin", emulator.baseURL.absoluteString), ("Referer", emulator.baseURL.absoluteString + "/_emulator/console/users"),
                ]
            )
            #expect(own.status == 303)
        }
    }

    @Test("the console's cookie is HttpOnly, SameSite=Strict and scoped to the console")
    func consoleCookie() async throws {
        try await TestEmulator.run { emulator in
            let page = try await RawHTTP(emulator).get("/_emulator/console")
            let cookie = try #require(page.headers.first(name: "Set-Cookie"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/_emulator/console"))
        }
    }
}
