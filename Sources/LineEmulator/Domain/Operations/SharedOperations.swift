import Synchronization

/// Keeps this instance's copies of the shared fault rules and rate-limit settings current: before each request the
/// store's version is read (with the clock offset, in the same statement), and the copies are reloaded only when it
/// moved. A change acknowledged on any instance therefore holds from the next request on every other.
final class SharedOperations: Sendable {
    let store: any SharedOperationsStore
    let faults: FaultInjector
    let rateLimiter: RateLimiter
    /// The version the copies are current at.
    private let loaded = Mutex<Int64>(-1)

    init(store: any SharedOperationsStore, faults: FaultInjector, rateLimiter: RateLimiter) {
        self.store = store
        self.faults = faults
        self.rateLimiter = rateLimiter
    }

    /// Reloads the copies when `version` is newer than theirs. A reload that finishes after a newer one is dropped,
    /// so the copies never go back in time.
    func synchronize(to version: Int64) async throws {
        guard loaded.withLock({ $0 < version }) else { return }
        let snapshot = try await store.operationsSnapshot()
        loaded.withLock { loaded in
            guard loaded < snapshot.version else { return }
            loaded = snapshot.version
            faults.adopt(snapshot.faultRules)
            rateLimiter.adopt(sharedRates: snapshot.rateLimits)
        }
    }
}
