import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// The consent form's CSRF cookie and single use, and a broken chunked body (issue 16, item 7).
@Suite("Consent transactions and broken bodies")
struct ConsentTransactionTests {
    /// A consent page's form fields and the cookie the page set.
    static func consentPage(_ emulator: TestEmulator, cookie: String? = nil) async throws -> (fields: [(String, String)], cookie: String) {
        let page = try await RawHTTP(emulator).get(AuthorizeTests.authorizePath(), headers: cookie.map { [("Cookie", $0)] } ?? [])
        let transaction = try #require(AuthorizeTests.hidden("transaction", page.text))
        let csrf = try #require(AuthorizeTests.hidden("csrf", page.text))
        let setCookie = try #require(page.headers.first(name: "Set-Cookie"))
        return ([("transaction", transaction), ("csrf", csrf), ("decision", "allow")], String(setCookie.prefix { $0 != ";" }))
    }

    static func submit(_ emulator: TestEmulator, _ fields: [(String, String)], cookie: String, user: String) async throws -> RawResponse {
        try await RawHTTP(emulator).send(
            .POST,
            "/oauth2/v2.1/authorize/consent",
            headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")],
            body: Data(RawHTTP.query(fields + [("user_id", user)]).utf8)
        )
    }

    @Test("the consent page never adopts a CSRF value the browser brings", arguments: ["a", "A1", String(repeating: "b", count: 32)])
    func freshCSRF(planted: String) async throws {
        try await TestEmulator.run { emulator in
            let (fields, cookie) = try await Self.consentPage(emulator, cookie: "linekit_csrf=\(planted)")
            let value = String(cookie.dropFirst("linekit_csrf=".count))
            #expect(value != planted)
            #expect(value.count == 32)
            #expect(fields.first { $0.0 == "csrf" }?.1 == value)
            let planting = try await Self.submit(
                emulator,
                fields.map { $0.0 == "csrf" ? ($0.0, planted) : $0 },
                cookie: "linekit_csrf=\(planted)",
                user: Fixture.brown.userID
            )
            #expect(planting.status == 403)
        }
    }

    @Test("a consent form answers once: posting it again, for the same or another user, is refused")
    func singleUse() async throws {
        try await TestEmulator.run { emulator in
            let (fields, cookie) = try await Self.consentPage(emulator)
            let first = try await Self.submit(emulator, fields, cookie: cookie, user: Fixture.brown.userID)
            #expect(first.status == 302)
            #expect(first.locationQuery["code"] != nil)
            for user in [Fixture.cony.userID, Fixture.brown.userID] {
                let again = try await Self.submit(emulator, fields, cookie: cookie, user: user)
                #expect(again.status == 400)
                #expect(again.location == nil)
                #expect(again.text.contains("already"))
            }
            let denied = try await Self.consentPage(emulator)
            let deny = denied.fields.map { $0.0 == "decision" ? ($0.0, "deny") : $0 }
            #expect(try await Self.submit(emulator, deny, cookie: denied.cookie, user: Fixture.brown.userID).status == 302)
            #expect(try await Self.submit(emulator, denied.fields, cookie: denied.cookie, user: Fixture.brown.userID).status == 400)
        }
    }

    @Test("posted many times at once, a consent form issues exactly one code (25 trials of 8 posts)")
    func singleUseRace() async throws {
        try await TestEmulator.run { emulator in
            for trial in 0..<25 {
                let (fields, cookie) = try await Self.consentPage(emulator)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<8 {
                        let user = index.isMultiple(of: 2) ? Fixture.brown.userID : Fixture.cony.userID
                        group.addTask { try await Self.submit(emulator, fields, cookie: cookie, user: user).status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 302 }.count == 1, "trial \(trial): \(statuses)")
                #expect(statuses.filter { $0 == 400 }.count == 7, "trial \(trial): \(statuses)")
            }
        }
    }

    @Test(
        "a malformed chunked body gets 400 in the endpoint's shape, not 500",
        arguments: [
            ("POST /oauth2/v2.1/token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n", "error"),
            ("POST /_emulator/v1/users HTTP/1.1\r\nContent-Type: application/json\r\n", "message"),
        ]
    )
    func brokenChunks(head: String, errorField: String) async throws {
        try await TestEmulator.run { emulator in
            for body in ["zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcdef\r\n0\r\n\r\n", "-1\r\n\r\n", "ffffffffffffffffff\r\n"] {
                let request = head + "Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body
                let reply = try #require(try await RawSocket.exchange(port: emulator.port, Array(request.utf8)), "no answer to \(body)")
                #expect(reply.status == 400, "\(body.debugDescription): \(reply.head)")
                #expect(reply.json[errorField] is String, "\(reply.body)")
            }
        }
    }
}
