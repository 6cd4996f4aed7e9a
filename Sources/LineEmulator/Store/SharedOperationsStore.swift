import Foundation

/// The operational state that several emulator instances on one database share: fault rules, rate-limit settings
/// and buckets, and the request log. A store one process owns has none (``EmulatorStore/sharedOperations`` is `nil`)
/// and the emulator keeps that state in memory, on its fast path.
///
/// Fault rules and rate-limit settings are read on every request from in-memory copies, which are reloaded when
/// ``operationsState()`` (read once per request, with the clock offset) shows a newer version: every change bumps that
/// version in the transaction that makes it, so a change acknowledged on one instance holds for the next request on
/// any other without reading the rules themselves each time.
package protocol SharedOperationsStore: Sendable {
    /// The shared clock offset and the version of the fault rules and rate-limit settings, read in one statement.
    ///
    /// The invariant: the state reflects every change committed before this call began. Callers asking at the same
    /// moment may share one read, but never one that began before the call did.
    func operationsState() async throws -> SharedOperationsState
    /// The fault rules (oldest first) and rate-limit settings, with the version they are current at, in one snapshot.
    func operationsSnapshot() async throws -> SharedOperationsSnapshot

    /// Inserts a rule and bumps the version, in one transaction; `false` (nothing written) when its ID is taken.
    func insertFaultRule(_ rule: FaultInjector.Rule) async throws -> Bool
    /// Deletes a rule and bumps the version; `false` when there was none with that ID.
    func deleteFaultRule(id: String) async throws -> Bool
    /// Deletes every rule and bumps the version.
    func deleteFaultRules() async throws
    /// Takes one use of a counted rule: `true` for exactly as many calls as the rule's count, across all instances
    /// at once (an atomic decrement); the rule is deleted with its last use. Bumps the version, so every instance
    /// shows the remaining count. A rule without a count is never consumed.
    func consumeFaultRule(id: String) async throws -> Bool

    /// Sets the rate of an endpoint for every instance (`nil`: no limit), empties that endpoint's buckets (they
    /// start full again) and bumps the version, in one transaction.
    func setRateLimit(_ rate: Double?, for endpoint: RateLimiter.Endpoint) async throws
    /// Takes up to `maximum` whole tokens from the channel's shared bucket for `endpoint` in one atomic step (the
    /// bucket refilled at `rate` per second, up to `capacity`, by the database's clock since its last use; a missing
    /// bucket starts full). Tokens are never created twice: across all instances, what is granted over any interval
    /// is at most `capacity` plus `rate` times its length.
    func leaseRateLimitTokens(
        _ endpoint: RateLimiter.Endpoint,
        channelID: String,
        rate: Double,
        capacity: Double,
        maximum: Int
    ) async throws -> RateLimitLease

    /// Appends answered requests to the shared log, then drops the oldest beyond `retaining` entries.
    func appendRequestLog(_ entries: [RequestLog.Entry], retaining: Int) async throws
    /// Log entries of every instance, newest first, matching the filters (`method`, `status` exact; `path` substring).
    func requestLogEntries(method: String?, path: String?, status: Int?, limit: Int) async throws -> [RequestLog.Entry]
    /// Empties the shared request log.
    func clearRequestLog() async throws
}

package struct SharedOperationsState: Sendable, Equatable {
    package var clockOffset: TimeInterval
    package var version: Int64

    /// The state the request being served read at its start (set by the shared-state middleware around the rest of
    /// the request; `nil` outside a request). A store may answer a read from a row it cached at this version or a
    /// later one: every change to such a row bumps the version in its own transaction, so the row is as fresh as a
    /// read made when the request began.
    @TaskLocal package static var currentRequest: SharedOperationsState?

    package init(clockOffset: TimeInterval, version: Int64) {
        self.clockOffset = clockOffset
        self.version = version
    }
}

package struct SharedOperationsSnapshot: Sendable {
    package var version: Int64
    /// Oldest first; `count` holds the uses left.
    package var faultRules: [FaultInjector.Rule]
    /// The rates set for every instance; an endpoint missing here keeps the instance's configured rate, `nil` is no limit.
    package var rateLimits: [RateLimiter.Endpoint: Double?]

    package init(version: Int64, faultRules: [FaultInjector.Rule], rateLimits: [RateLimiter.Endpoint: Double?]) {
        self.version = version
        self.faultRules = faultRules
        self.rateLimits = rateLimits
    }
}

package struct RateLimitLease: Sendable, Equatable {
    /// Whole tokens granted (0 to the maximum asked).
    package var granted: Int
    /// What is left in the shared bucket after the grant (below 1 when the bucket is empty).
    package var tokensLeft: Double

    package init(granted: Int, tokensLeft: Double) {
        self.granted = granted
        self.tokensLeft = tokensLeft
    }
}
