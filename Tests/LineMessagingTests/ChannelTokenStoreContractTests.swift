import Foundation
import LineMessaging
import LineMessagingPostgres
import Testing

/// The invariants written on `ChannelTokenStore`, checked the same way on every implementation; the racing ones with
/// several store clients at once (one memory store shared, or a `PostgresClient` each).
enum ChannelTokenStoreContract {
    static let slot = ChannelTokenSlot(channelID: "2000000003", kind: .shortLived)
    static let t0 = Date(timeIntervalSince1970: 1_900_000_000)

    static func sealed(_ byte: UInt8) -> SealedChannelToken {
        SealedChannelToken(sealedToken: Data(repeating: byte, count: 40), expiresAt: t0.addingTimeInterval(86400), keyID: nil)
    }

    static func claim(_ store: any ChannelTokenStore, _ owner: String, at time: Date, lease: TimeInterval = 30) async throws
        -> ChannelTokenClaim
    {
        try await store.claimIssue(for: slot, owner: owner, now: time, leaseUntil: time.addingTimeInterval(lease), staleBefore: time)
    }

    /// Leases, publication, lapses and removal, on one client.
    static func sequential(_ store: any ChannelTokenStore) async throws {
        guard case .granted(let first, nil) = try await claim(store, "a", at: t0) else { throw FleetTestError.unexpected("no grant") }
        guard case .held(let held, nil) = try await claim(store, "b", at: t0.addingTimeInterval(1)) else {
            throw FleetTestError.unexpected("a second lease while the first is unexpired")
        }
        #expect(held.leaseID == first.leaseID && held.owner == "a")
        let published = try #require(try await store.publish(sealed(1), under: first, now: t0))
        #expect(published.generation == 1 && published.issuedBy == "a" && !published.isBad)
        guard case .fresh(let fresh) = try await claim(store, "b", at: t0) else { throw FleetTestError.unexpected("not fresh") }
        #expect(fresh == published)

        // A lapsed lease is taken over; its holder can then neither publish nor end the new lease.
        let stale = t0.addingTimeInterval(86400)
        guard case .granted(let lapsing, let current) = try await claim(store, "a", at: stale, lease: 5) else {
            throw FleetTestError.unexpected("no grant for an expired token")
        }
        #expect(current?.generation == 1)
        guard case .granted(let takeover, _) = try await claim(store, "b", at: stale.addingTimeInterval(6)) else {
            throw FleetTestError.unexpected("a lapsed lease was not taken over")
        }
        try await store.releaseClaim(lapsing)
        #expect(try await store.publish(sealed(2), under: lapsing, now: stale) == nil, "a lost lease publishes nothing")
        let second = try #require(try await store.publish(sealed(3), under: takeover, now: stale))
        #expect(second.generation == 2 && second.sealedToken == sealed(3).sealedToken)

        // Marking bad: only the current generation, only once; a bad token is never fresh.
        #expect(try await store.markBad(slot, generation: 1) == false)
        #expect(try await store.markBad(slot, generation: 2) == true)
        #expect(try await store.markBad(slot, generation: 2) == false)
        guard case .granted(let afterBad, let bad) = try await claim(store, "c", at: t0) else {
            throw FleetTestError.unexpected("a bad token counted as fresh")
        }
        #expect(bad?.isBad == true)

        // Removal ends the slot and any lease; numbers are never reused.
        #expect(try await store.removeSharedToken(for: slot)?.generation == 2)
        #expect(try await store.publish(sealed(4), under: afterBad, now: t0) == nil, "an issue in flight does not refill it")
        #expect(try await store.sharedToken(for: slot) == nil)
        #expect(try await store.slots(channelID: nil).isEmpty)
        guard case .granted(let again, nil) = try await claim(store, "d", at: t0) else { throw FleetTestError.unexpected("no grant") }
        #expect(try #require(try await store.publish(sealed(5), under: again, now: t0)).generation == 3)
        #expect(try await store.slots(channelID: slot.channelID).map(\.slot) == [slot])
    }

    /// Many clients claiming an empty slot at once: exactly one lease; then many marking it bad: exactly one `true`.
    static func racing(_ stores: [any ChannelTokenStore], trials: Int) async throws {
        for trial in 1...trials {
            let time = t0.addingTimeInterval(Double(trial) * 1_000_000)
            let claims = try await withThrowingTaskGroup(of: ChannelTokenClaim.self) { group in
                for caller in 0..<40 {
                    let store = stores[caller % stores.count]
                    group.addTask { try await claim(store, "owner-\(caller)", at: time) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let granted = claims.compactMap { claim -> ChannelTokenLease? in
                if case .granted(let lease, _) = claim { lease } else { nil }
            }
            #expect(granted.count == 1, "trial \(trial): \(granted.count) leases granted at once")
            let lease = try #require(granted.first)
            let published = try #require(try await stores[0].publish(sealed(UInt8(trial)), under: lease, now: time))
            let marks = try await withThrowingTaskGroup(of: Bool.self) { group in
                for caller in 0..<40 {
                    let store = stores[caller % stores.count]
                    group.addTask { try await store.markBad(slot, generation: published.generation) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(marks == 1, "trial \(trial): \(marks) callers marked the same token bad")
        }
    }
}

@Suite("ChannelTokenStore's invariants: the in-memory store")
struct InMemoryChannelTokenStoreContractTests {
    @Test("leases, publication, lapses, marking bad and removal keep the protocol's invariants")
    func sequential() async throws {
        try await ChannelTokenStoreContract.sequential(InMemoryChannelTokenStore())
    }

    @Test("40 concurrent claims: one lease; 40 concurrent 401s: one marks it bad (50 trials)")
    func racing() async throws {
        try await ChannelTokenStoreContract.racing([InMemoryChannelTokenStore()], trials: 50)
    }
}

@Suite(
    "ChannelTokenStore's invariants: the PostgreSQL store, each caller group on its own PostgresClient",
    .enabled(if: PostgresFixture.enabled, PostgresFixture.notRunReason)
)
struct PostgresChannelTokenStoreContractTests {
    @Test("leases, publication, lapses, marking bad and removal keep the protocol's invariants")
    func sequential() async throws {
        try await PostgresFixture.withSchema(clients: 1) { schema, clients in
            try await ChannelTokenStoreContract.sequential(try await PostgresFixture.stores(clients, schema: schema)[0])
        }
    }

    @Test("40 concurrent claims over 5 clients: one lease; 40 concurrent 401s: one marks it bad (20 trials)")
    func racing() async throws {
        try await PostgresFixture.withSchema(clients: 5) { schema, clients in
            try await ChannelTokenStoreContract.racing(try await PostgresFixture.stores(clients, schema: schema), trials: 20)
        }
    }
}
