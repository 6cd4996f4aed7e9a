import Crypto
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Fleet: providers sharing one token store (in memory) against the emulator")
struct FleetProviderTests {
    static let trials = 20

    @Test("5 providers, 200 concurrent callers: exactly one issue request, one token for all (20 trials)")
    func oneIssuePerFleet() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            for trial in 1...Self.trials { try await Self.trial(trial, harness) }
        }
    }

    private static func trial(_ trial: Int, _ harness: Harness) async throws {
        let store = InMemoryChannelTokenStore()
        let fleet = Fleet(harness, stores: Array(repeating: store, count: 5))
        #expect(try await fleet.tokens(callers: 200).count == 1, "trial \(trial)")
        #expect(try await harness.requestCount("/v2/oauth/accessToken") == trial, "trial \(trial): one issue")
    }

    @Test("near expiry on every provider's clock, the fleet renews once; before that it reuses")
    func renewalOncePerFleet() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let fleet = Fleet(harness, stores: Array(repeating: InMemoryChannelTokenStore(), count: 5))
            let first = try await fleet.tokens(callers: 50)
            fleet.advanceClocks(to: 20 * 86400)
            #expect(try await fleet.tokens(callers: 200) == first, "10 days of 30 left: reused")
            fleet.advanceClocks(to: 25 * 86400)
            // While one provider renews, the others go on with the old token (5 days left), then all take the new one.
            let during = try await fleet.tokens(callers: 200)
            let renewed = try await fleet.tokens(callers: 200)
            #expect(renewed.count == 1 && renewed != first)
            #expect(during.isSubset(of: first.union(renewed)))
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2, "one renewal for the whole fleet")
        }
    }

    @Test("as a Service in a ServiceGroup: renews in the background, and graceful shutdown revokes nothing")
    func backgroundRenewal() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let offset = Mutex<TimeInterval>(0)
            let provider = ChannelTokenProvider(
                channelID: Harness.bot.channelID,
                credential: .secret(Harness.bot.channelSecret),
                client: ChannelAccessTokenClient(api: harness.api),
                recheckInterval: .milliseconds(20),
                now: { Date().addingTimeInterval(offset.withLock { $0 }) }
            )
            let first = try await provider.token()
            var logger = Logger(label: "fleet-test")
            logger.logLevel = .critical
            let group = ServiceGroup(configuration: .init(services: [provider], gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                offset.withLock { $0 = 25 * 86400 }
                var renewals = 0
                for _ in 0..<500 where renewals < 2 {
                    renewals = try await harness.requestCount("/v2/oauth/accessToken")
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(renewals == 2, "renewed by run(), without a caller asking")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let client = ChannelAccessTokenClient(api: harness.api)
            let current = try await provider.token()
            #expect(current != first)
            _ = try await client.verifyShortLived(current.accessToken)  // still valid after the shutdown
            #expect(try await harness.requestCount("/v2/oauth/revoke") == 0)
        }
    }

    @Test("401 on the shared token: one reissue, and every one of 200 pushes goes through with the new token")
    func unauthorizedCausesOneReissue() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let fleet = Fleet(harness, stores: Array(repeating: InMemoryChannelTokenStore(), count: 5))
            let old = try #require(try await fleet.tokens(callers: 5).first)
            try await ChannelAccessTokenClient(api: harness.api).revokeShortLived(old)  // behind the fleet's back
            let user = Seed.defaultUsers[0].userID
            let sent = try await withThrowingTaskGroup(of: Int.self) { group in
                for caller in 0..<200 {
                    let messaging = MessagingClient(api: harness.api, tokens: fleet.providers[caller % 5])
                    group.addTask { try await messaging.push(to: user, messages: [try .text("hi \(caller)")]).sentMessages.count }
                }
                return try await group.reduce(0, +)
            }
            #expect(sent == 200)
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2, "one reissue for the fleet")
            let now = try await fleet.tokens(callers: 50)
            #expect(now.count == 1 && !now.contains(old))
        }
    }

    @Test("60 restarts with v2.1 tokens: never a revoked token handed out, never more live tokens than the fleet needs")
    func restartsStayUnderTheCaps() async throws {
        try await TestEmulator.run { emulator in
            let store = InMemoryChannelTokenStore()
            try await Fleet.restartsStayUnderTheCaps(Harness(emulator), stores: [store, store])
        }
    }

    @Test("a lease holder that dies mid-issue holds the others back for the lease, no longer")
    func lapsedLease() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let store = InMemoryChannelTokenStore()
            // Five seconds, so that on a busy machine the next holder's own issue fits well within its lease.
            let fleet = Fleet(harness, stores: Array(repeating: store, count: 5), lease: .seconds(5))
            let slot = ChannelTokenSlot(channelID: Harness.bot.channelID, kind: .shortLived)
            let now = Date()
            let claim = await store.claimIssue(
                for: slot,
                owner: "dead",
                now: now,
                leaseUntil: now.addingTimeInterval(5),
                staleBefore: now
            )
            guard case .granted = claim else { throw FleetTestError.unexpected("\(claim)") }
            let started = ContinuousClock.now
            #expect(try await fleet.tokens(callers: 200).count == 1)
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(4900) && waited < .seconds(25), "waited \(waited) for a 5 s lease")
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 1)
        }
    }

    @Test("a store sealed with another key: a typed error naming the slot, never the token or garbage")
    func wrongSealingKey() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let store = InMemoryChannelTokenStore()
            let right = Fleet(harness, stores: [store], sealer: ChannelTokenSealer(key: SymmetricKey(size: .bits256)))
            let token = try #require(try await right.tokens(callers: 1).first)
            let wrong = Fleet(harness, stores: [store], sealer: ChannelTokenSealer(key: SymmetricKey(size: .bits256)))
            let slot = ChannelTokenSlot(channelID: Harness.bot.channelID, kind: .shortLived)
            do {
                _ = try await wrong.providers[0].token()
                Issue.record("a wrong key opened the token")
            } catch let error as MessagingError {
                #expect(error.code == .sealedTokenUnreadable && error.slot == slot)
                #expect(!"\(error)".contains(token))
            }
            let shared = try #require(await store.sharedToken(for: slot))
            #expect(!shared.sealedToken.contains(Data(token.utf8)), "the store holds it sealed")
        }
    }

    @Test("the emulator down: LINE's connection error (or timeout), no token, the claim released for the next try")
    func emulatorDown() async throws {
        let stopped = try await TestEmulator.run { $0.baseURL }  // nothing listens there any more
        let api = LineAPIClient(
            configuration: .init(
                endpoints: .emulator(stopped),
                transport: AsyncHTTPClientTransport(timeout: .seconds(2)),
                retryPolicy: .none
            )
        )
        let store = InMemoryChannelTokenStore()
        let provider = ChannelTokenProvider(
            channelID: Harness.bot.channelID,
            credential: .secret(Harness.bot.channelSecret),
            client: ChannelAccessTokenClient(api: api),
            store: store
        )
        do {
            _ = try await provider.token()
            Issue.record("a token without LINE")
        } catch let error as LineAPIError {
            #expect(error.code == .connection || error.code == .timeout)
            #expect(error.status == nil)
        }
        let states = await store.slots(channelID: nil)
        #expect(states.isEmpty, "no token and no lease left behind: \(states)")
    }

    @Test("tokens print masked")
    func masking() {
        let token = ChannelAccessToken(accessToken: "abcdEFGHijklMNOPqrstUVWXyz", kind: .shortLived, channelID: "1", expiresAt: Date())
        #expect(token.masked == "abcd…WXyz")
        #expect(!"\(token)".contains(token.accessToken))
        #expect(!String(reflecting: token).contains(token.accessToken))
    }
}

enum FleetTestError: Error {
    case unexpected(String)
}
