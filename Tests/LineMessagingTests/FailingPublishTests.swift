import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import Synchronization
import Testing

@Suite("Fleet: a publication that fails never leaves the fleet sharing a revoked token")
struct FailingPublishTests {
    @Test("the store commits, then fails (a timeout): the token is kept, verifies, and nothing is revoked")
    func committedThenFailed() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let store = FailingPublishStore(commits: true)
            let provider = Self.provider(harness, store: store)
            _ = try? await provider.token()
            let token = try await provider.token()
            _ = try await ChannelAccessTokenClient(api: harness.api).verifyShortLived(token.accessToken)
            #expect(try await harness.requestCount("/v2/oauth/revoke") == 0)
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 1)
        }
    }

    @Test("the store fails without committing: the issued token is revoked, the caller gets the store's error")
    func failedWithoutCommitting() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let store = FailingPublishStore(commits: false)
            let provider = Self.provider(harness, store: store)
            await #expect(throws: MessagingError.storeUnavailable("timed out")) { try await provider.token() }
            #expect(try await harness.requestCount("/v2/oauth/revoke") == 1)
            store.failing.withLock { $0 = false }
            let started = ContinuousClock.now
            let token = try await provider.token()
            #expect(ContinuousClock.now - started < .seconds(10), "the claim was released: no wait for the 30 s lease")
            _ = try await ChannelAccessTokenClient(api: harness.api).verifyShortLived(token.accessToken)
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2)
        }
    }

    @Test("the store fails and cannot be read back: the issued token is not revoked (it may be the shared one)")
    func unreadable() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let store = FailingPublishStore(commits: true, unreadableAfterPublish: true)
            let provider = Self.provider(harness, store: store)
            await #expect(throws: MessagingError.storeUnavailable("timed out")) { try await provider.token() }
            let revokes = try await harness.requestCount("/v2/oauth/revoke")
            #expect(revokes == 0)
            #expect(store.reads.withLock { $0 } == 4, "read back a bounded number of times")
        }
    }

    static func provider(_ harness: Harness, store: any ChannelTokenStore) -> ChannelTokenProvider {
        ChannelTokenProvider(
            channelID: Harness.bot.channelID,
            credential: .secret(Harness.bot.channelSecret),
            client: ChannelAccessTokenClient(api: harness.api),
            store: store,
            sleep: { _ in }
        )
    }
}

/// A memory store whose `publish` fails while `failing`: after committing (`commits`), like a database that times out
/// once the update is done, or before. With `unreadableAfterPublish`, `sharedToken` fails too once a publish failed.
final class FailingPublishStore: ChannelTokenStore {
    let base = InMemoryChannelTokenStore()
    let commits: Bool
    let unreadableAfterPublish: Bool
    let failing = Mutex(true)
    let unreadable = Mutex(false)
    /// `sharedToken` calls that failed.
    let reads = Mutex(0)

    init(commits: Bool, unreadableAfterPublish: Bool = false) {
        self.commits = commits
        self.unreadableAfterPublish = unreadableAfterPublish
    }

    func publish(_ token: SealedChannelToken, under lease: ChannelTokenLease, now: Date) async throws -> SharedChannelToken? {
        guard failing.withLock({ $0 }) else { return try await base.publish(token, under: lease, now: now) }
        if commits { _ = try await base.publish(token, under: lease, now: now) }
        if unreadableAfterPublish { unreadable.withLock { $0 = true } }
        throw MessagingError.storeUnavailable("timed out")
    }

    func sharedToken(for slot: ChannelTokenSlot) async throws -> SharedChannelToken? {
        if unreadable.withLock({ $0 }) {
            reads.withLock { $0 += 1 }
            throw MessagingError.storeUnavailable("connection refused")
        }
        return try await base.sharedToken(for: slot)
    }

    func claimIssue(
        for slot: ChannelTokenSlot,
        owner: String,
        now: Date,
        leaseUntil: Date,
        staleBefore: Date
    ) async throws -> ChannelTokenClaim {
        try await base.claimIssue(for: slot, owner: owner, now: now, leaseUntil: leaseUntil, staleBefore: staleBefore)
    }

    func releaseClaim(_ lease: ChannelTokenLease) async throws { try await base.releaseClaim(lease) }
    func markBad(_ slot: ChannelTokenSlot, generation: Int64) async throws -> Bool { try await base.markBad(slot, generation: generation) }
    func removeSharedToken(for slot: ChannelTokenSlot) async throws -> SharedChannelToken? { try await base.removeSharedToken(for: slot) }
    func slots(channelID: String?) async throws -> [ChannelTokenSlotState] { try await base.slots(channelID: channelID) }
}
