import AsyncHTTPClient
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import NIOHTTP1
import Synchronization
import Testing

@Suite("ChannelTokenProvider and MessagingClient against the emulator")
struct ProviderAndPushTests {
    static func provider(_ harness: Harness, now: @escaping @Sendable () -> Date = { Date() }) -> ChannelTokenProvider {
        ChannelTokenProvider(
            channelID: Harness.bot.channelID,
            credential: .secret(Harness.bot.channelSecret),
            client: ChannelAccessTokenClient(api: harness.api),
            now: now
        )
    }

    @Test("100 concurrent callers cause one issue request and get the same token")
    func singleFlight() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let provider = Self.provider(harness)
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await provider.token().accessToken } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            _ = try await provider.token()
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 1)
        }
    }

    @Test("a token is renewed when its remaining life falls under the renewal threshold; the fleet-wide call revokes it")
    func renewalAndRevocation() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let offset = Mutex<TimeInterval>(0)
            let provider = Self.provider(harness) { Date().addingTimeInterval(offset.withLock { $0 }) }
            let first = try await provider.token()
            offset.withLock { $0 = 20 * 86400 }
            #expect(try await provider.token() == first, "10 days left of 30: still reused")
            offset.withLock { $0 = 25 * 86400 }
            let second = try await provider.token()
            #expect(second != first, "5 days left is under 20% of the lifetime: renewed")
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2)

            try await provider.revokeSharedToken()
            let client = ChannelAccessTokenClient(api: harness.api)
            await #expect(throws: LineAPIError.self) { try await client.verifyShortLived(second.accessToken) }
            _ = try await client.verifyShortLived(first.accessToken)  // replaced, not revoked: it runs out by itself
            #expect(try await provider.token() != second, "after the revocation the next token is a new one")
        }
    }

    @Test("a v2.1 provider reuses its token instead of issuing toward the 30-token cap")
    func jwtProviderReuses() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let keys = try AssertionKeyPair.generate()
            let kid = try #require(
                try await harness.admin(.POST, "/channels/\(Harness.bot.channelID)/keys", keys.publicJWK)["kid"] as? String
            )
            let store = InMemoryChannelTokenStore()
            let make = {
                ChannelTokenProvider(
                    channelID: Harness.bot.channelID,
                    credential: .assertion(
                        JWTAssertionSigner(channelID: Harness.bot.channelID, keyID: kid, keys: keys),
                        tokenLifetime: .seconds(86400),
                        channelSecret: Harness.bot.channelSecret
                    ),
                    client: ChannelAccessTokenClient(api: harness.api),
                    store: store
                )
            }
            for _ in 0..<40 { _ = try await make().token() }
            #expect(try await harness.requestCount("/oauth2/v2.1/token") == 1, "40 providers sharing a store issued once")
        }
    }

    @Test("push: a text message with a generated retry key; repeating the key returns the original sentMessages")
    func push() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let messaging = MessagingClient(api: harness.api, tokens: Self.provider(harness))
            let user = Seed.defaultUsers[0].userID
            let first = try await messaging.push(to: user, messages: [try .text("Welcome to LineKit!")])
            #expect(first.sentMessages.count == 1)
            #expect(!first.wasAlreadyAccepted)
            let again = try await messaging.push(to: user, messages: [try .text("Welcome to LineKit!")], retryKey: first.retryKey)
            #expect(again.wasAlreadyAccepted)
            #expect(again.sentMessages == first.sentMessages)
            #expect(again.acceptedRequestID == first.acceptedRequestID)
            let stored = try await harness.admin(.GET, "/messages?to=\(user)")
            #expect((stored["messages"] as? [Any])?.count == 1)
        }
    }

    @Test("a 500 is retried with the same retry key, and the message is stored once")
    func retryOnServerError() async throws {
        try await TestEmulator.run { emulator in
            let sleeper = RecordingSleeper()
            let harness = Harness(emulator, sleeper: sleeper)
            let messaging = MessagingClient(api: harness.api, tokens: Self.provider(harness))
            _ = try await harness.admin(.POST, "/faults", ["path": "/v2/bot/message/push", "action": "status", "status": 500, "count": 2])
            let result = try await messaging.push(to: Seed.defaultUsers[1].userID, messages: [try .text("hello")])
            #expect(result.sentMessages.count == 1)
            #expect(sleeper.delays.count == 2)
            #expect(try await harness.requestCount("/v2/bot/message/push") == 3)
            let stored = try await harness.admin(.GET, "/messages?to=\(Seed.defaultUsers[1].userID)")
            #expect((stored["messages"] as? [Any])?.count == 1)
        }
    }

    @Test("429 is retried with backoff until the budget runs out, then thrown with the request ID")
    func backoffOn429() async throws {
        try await TestEmulator.run { emulator in
            let sleeper = RecordingSleeper()
            let harness = Harness(emulator, sleeper: sleeper, retryPolicy: RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(100)))
            _ = try await harness.admin(.PUT, "/rate-limits", ["push": 0.01])
            let messaging = MessagingClient(api: harness.api, tokens: Self.provider(harness))
            _ = try await messaging.push(to: Seed.defaultUsers[0].userID, messages: [try .text("one")])
            do {
                _ = try await messaging.push(to: Seed.defaultUsers[0].userID, messages: [try .text("two")])
                Issue.record("expected 429")
            } catch let error as LineAPIError {
                #expect(error.status == 429)
                #expect(error.message == "The API rate limit has been exceeded. Try again later.")
                #expect(error.requestID.flatMap(UUID.init(uuidString:)) != nil, "the Messaging API request ID is a UUID")
            }
            #expect(sleeper.delays.count == 3)
        }
    }

    @Test("the text builder enforces 5,000 UTF-16 code units before anything is sent")
    func textLimit() throws {
        #expect(throws: MessagingError.textTooLong(utf16Length: 5002)) { try Message.text(String(repeating: "🍎", count: 2501)) }
        #expect(throws: MessagingError.emptyText) { try Message.text("") }
        _ = try Message.text(String(repeating: "🍎", count: 2500))
    }
}

@Suite("A default client pushes at LINE's rates, not a client-side 100/s")
struct PushRateTests {
    @Test("200 pushes at once through a default LineAPIClient: none is held back by the client (a 100/s cap held 100)")
    func defaultClientPushesAbove100PerSecond() async throws {
        // An HTTP client of its own, so that these 200 requests do not queue in front of other suites' in
        // HTTPClient.shared.
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            try await TestEmulator.run { emulator in try await Self.pushStorm(emulator, http: http) }
        } catch {
            try await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    static func pushStorm(_ emulator: TestEmulator, http: HTTPClient) async throws {
        // The default configuration (its limiter keeps RateLimits.line), pointed at the emulator.
        let transport = AsyncHTTPClientTransport(client: http)
        let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL), transport: transport))
        let limiter = try #require(api.configuration.limiter)
        let tokens = ChannelTokenProvider(
            channelID: Harness.bot.channelID,
            credential: .secret(Harness.bot.channelSecret),
            client: ChannelAccessTokenClient(api: api)
        )
        let messaging = MessagingClient(api: api, tokens: tokens)
        _ = try await tokens.token()
        let pushes = 200
        let message = try Message.text("hello")
        let started = ContinuousClock.now
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<pushes {
                let to = Seed.defaultUsers[index % Seed.defaultUsers.count].userID
                group.addTask { try await messaging.push(to: to, messages: [message]).sentMessages.count }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        #expect(accepted == pushes)
        // Counted, not timed: how fast the emulator answers depends on the machine's load, but the old default cap
        // (a burst of 100, then 100/s) held back every push beyond the first 100 sent within a second.
        #expect(await limiter.delayedRequests == 0, "\(pushes) pushes took \(elapsed)")
    }
}
