import Crypto
import CryptoExtras
import Foundation
import LineEmulator
import LineEmulatorPostgres
import NIOHTTP1
import Synchronization
import Testing

/// Two `linekit emulator` processes on one PostgreSQL database behave as one LINE Platform. Each test has a database
/// of its own on the server `LINEKIT_TEST_POSTGRES_URL` names (`scripts/test` starts one).
@Suite(
    "Two emulator processes on one PostgreSQL database",
    .serialized,  // each test starts two processes and loads them: one pair at a time spares the other tests
    .enabled(if: StoreBackend.postgresURL != nil, "LINEKIT_TEST_POSTGRES_URL is not set: no PostgreSQL to run two instances on")
)
struct MultiInstanceTests {
    /// Starts two emulators on a fresh database, runs `body` with their HTTP clients, stops them and drops the database.
    static func withTwoInstances(_ body: (RawHTTP, RawHTTP) async throws -> Void) async throws {
        try await withTwoProcesses { first, second in
            try await body(RawHTTP(baseURL: first.baseURL), RawHTTP(baseURL: second.baseURL))
        }
    }

    /// Starts two emulators on a fresh database, runs `body` with them, stops them and drops the database.
    static func withTwoProcesses(
        _ body: (ProcessTests.RunningEmulator, ProcessTests.RunningEmulator) async throws -> Void
    ) async throws {
        let database = try await PostgresScratchDatabase(serverURL: try #require(StoreBackend.postgresURL))
        do {
            let first = try ProcessTests.RunningEmulator(arguments: ["--database", database.url])
            defer { _ = first.stop() }
            let second = try ProcessTests.RunningEmulator(arguments: ["--database", database.url])
            defer { _ = second.stop() }
            #expect(first.baseURL != second.baseURL)
            try await body(first, second)
        } catch {
            try? await database.drop()
            throw error
        }
        try await database.drop()
    }

    @Test("a login begun on A finishes on B; its token verifies on both, a revoke on A is seen by the next verify on B")
    func loginAcrossInstances() async throws {
        try await Self.withTwoInstances { a, b in
            let page = try await a.get(AuthorizeTests.authorizePath())
            let transaction = try #require(AuthorizeTests.hidden("transaction", page.text))
            let csrf = try #require(AuthorizeTests.hidden("csrf", page.text))
            let form = [("transaction", transaction), ("csrf", csrf), ("decision", "allow"), ("user_id", Fixture.brown.userID)]
            let consent = try await b.send(
                .POST,
                "/oauth2/v2.1/authorize/consent",
                headers: [("Cookie", "linekit_csrf=\(csrf)"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(RawHTTP.query(form).utf8)
            )
            let code = try #require(consent.locationQuery["code"], "\(consent.status) \(consent.text)")
            let exchange = [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.callback),
                ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
            ]
            let token = try await b.postForm("/oauth2/v2.1/token", exchange)
            #expect(token.status == 200, "\(token.text)")
            let accessToken = try #require(token.json["access_token"] as? String)

            let verifyPath = "/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(accessToken)
            #expect(try await a.get(verifyPath).status == 200)
            #expect(try await b.get(verifyPath).status == 200)
            #expect(try await a.get("/v2/profile", bearer: accessToken).status == 200)
            let revoke = try await a.postForm(
                "/oauth2/v2.1/revoke",
                [("access_token", accessToken), ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret)]
            )
            #expect(revoke.status == 200)
            let afterRevoke = try await b.get(verifyPath)
            #expect(afterRevoke.status == 400)
            #expect(afterRevoke.json["error_description"] as? String == "The access token revoked")
            #expect(try await a.postForm("/oauth2/v2.1/token", exchange).status == 400, "the code is used, on every instance")
        }
    }

    @Test("100 concurrent v2.1 token issues split over both instances: exactly 30 succeed")
    func jwtCapAcrossInstances() async throws {
        try await Self.withTwoInstances { a, b in
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let registered = try await a.postJSON(
                "/_emulator/v1/channels/\(Seed.messagingChannelID)/keys",
                try AssertionSigner.publicJWK(of: key)
            )
            try #require(registered.status == 201, "\(registered.text)")
            let signer = AssertionSigner(
                privateKey: key,
                keyID: try #require(registered.json["kid"] as? String),
                channelID: Seed.messagingChannelID
            )
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    let assertion = try signer.assertion(now: Date())
                    group.addTask {
                        let response = try await (index % 2 == 0 ? a : b).postForm(
                            "/oauth2/v2.1/token",
                            [
                                ("grant_type", "client_credentials"),
                                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                                ("client_assertion", assertion),
                            ]
                        )
                        return response.status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 30, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 400 }.count == 70)
        }
    }

    @Test("100 concurrent short-lived token issues split over both instances: all succeed, exactly 30 live afterwards")
    func shortLivedCapAcrossInstances() async throws {
        try await Self.withTwoInstances { a, b in
            let bot = Seed.messagingChannel
            let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let response = try await (index % 2 == 0 ? a : b).postForm(
                            "/v2/oauth/accessToken",
                            [("grant_type", "client_credentials"), ("client_id", bot.channelID), ("client_secret", bot.channelSecret)]
                        )
                        return response.status == 200 ? response.json["access_token"] as? String : nil
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(tokens.compactMap { $0 }.count == 100)
            var live = 0
            for (index, token) in tokens.compactMap({ $0 }).enumerated() {
                let verify = try await (index % 2 == 0 ? b : a).postForm("/v2/oauth/verify", [("access_token", token)])
                if verify.status == 200 { live += 1 }
            }
            #expect(live == 30)
        }
    }

    @Test("one retry key sent to both instances at once: one 200 and one 409 naming the accepted request")
    func retryKeyAcrossInstances() async throws {
        try await Self.withTwoInstances { a, b in
            let token = try await Self.shortLivedBotToken(a)
            for trial in 0..<10 {
                let key = UUID().uuidString.lowercased()
                let body = try JSONSerialization.data(withJSONObject: [
                    "to": Fixture.brown.userID, "messages": [["type": "text", "text": "trial \(trial)"]],
                ])
                let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)"), ("X-Line-Retry-Key", key)]
                async let first = a.send(.POST, "/v2/bot/message/push", headers: headers, body: body)
                async let second = b.send(.POST, "/v2/bot/message/push", headers: headers, body: body)
                let responses = try await [first, second]
                let statuses = responses.map(\.status).sorted()
                #expect(statuses == [200, 409], "trial \(trial): \(responses.map(\.text))")
                if let accepted = responses.first(where: { $0.status == 200 }), let refused = responses.first(where: { $0.status == 409 }) {
                    #expect(refused.headers.first(name: "x-line-accepted-request-id") == accepted.requestID)
                }
            }
        }
    }

    @Test("the clock is the platform's: an advance on A expires a token on B, advances on both add up, a reset on A resets B")
    func sharedClock() async throws {
        try await Self.withTwoInstances { a, b in
            let token = try await ProcessTests.login(b)
            let verifyPath = "/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(token.accessToken)
            #expect(try await b.get(verifyPath).status == 200)
            let thirtyDays = 30 * 86_400
            #expect(try await a.postJSON("/_emulator/v1/clock/advance", ["seconds": thirtyDays + 1]).status == 200)
            #expect(try await b.get(verifyPath).status == 400, "expired on B by A's advance")
            #expect(try await b.get("/_emulator/v1/clock").json["offsetSeconds"] as? Double == Double(thirtyDays + 1))

            #expect(try await a.admin(.POST, "/_emulator/v1/reset").status == 200)
            #expect(try await b.get("/_emulator/v1/clock").json["offsetSeconds"] as? Double == 0)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await (index % 2 == 0 ? a : b).postJSON("/_emulator/v1/clock/advance", ["seconds": 60]).status }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(try await a.get("/_emulator/v1/clock").json["offsetSeconds"] as? Double == 1_200)
            #expect(try await b.get("/_emulator/v1/clock").json["offsetSeconds"] as? Double == 1_200)
        }
    }

    @Test("kill -9 of one instance under load loses no acknowledged login: every token it answered verifies on the other")
    func killNineUnderLoad() async throws {
        try await Self.withTwoProcesses { first, second in
            let a = RawHTTP(baseURL: first.baseURL)
            let progress = LoginCount()
            let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        var tokens: [String] = []
                        // Logs in on A until A is gone; a login whose token response arrived is acknowledged.
                        while tokens.count < 500, let token = try? await ProcessTests.login(a) {
                            tokens.append(token.accessToken)
                            progress.increment()
                        }
                        return tokens
                    }
                }
                // Kills A in the middle of the load: once 100 logins are through (or after 30 s on a very busy machine).
                let deadline = ContinuousClock.now + .seconds(30)
                while progress.value < 100, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                first.kill9()
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(first.process.terminationReason == .uncaughtSignal)
            #expect(acknowledged.count >= 30, "the load ran before the kill")
            let b = RawHTTP(baseURL: second.baseURL)
            var lost: [String] = []
            for token in acknowledged where try await b.get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(token)).status != 200 {
                lost.append(token)
            }
            #expect(lost.isEmpty, "\(lost.count) of \(acknowledged.count) acknowledged tokens lost")
        }
    }
}

/// How many logins have been acknowledged so far, across the load's tasks.
final class LoginCount: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
