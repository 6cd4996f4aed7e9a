import Foundation
import Synchronization

/// Per-channel token buckets, as LINE limits its APIs (the *Messaging API reference*'s rate limits: "per endpoint and method, per channel").
///
/// Rates are requests per second with a burst of one second's worth (an hour's for LINE's per-hour limits; at least one request). They follow real time, not the emulator clock,
/// so a load test meets the same limits it would meet on LINE. Instances sharing a database share the buckets too
/// (LINE counts per channel, not per server): each instance takes its tokens from the shared bucket in leases.
public final class RateLimiter: Sendable {
    /// The rate-limited endpoints.
    public enum Endpoint: String, Sendable, CaseIterable, Codable {
        /// `POST /v2/bot/message/push`: 2,000 requests per second per channel.
        case push
        /// `POST /v2/oauth/accessToken` (short-lived channel tokens): 370 requests per second per channel.
        case shortLivedIssue
        /// `POST /oauth2/v2.1/token` with a JWT assertion (v2.1 channel tokens): LINE's "other endpoints", 2,000/s.
        case jwtIssue
        /// `POST /oauth2/v3/token` (stateless channel tokens): 2,000 requests per second per channel.
        case statelessIssue
        /// Verifying a channel token (`POST /v2/oauth/verify`, `GET /oauth2/v2.1/verify`): 2,000/s per channel.
        case channelTokenVerify
        /// Revoking a channel token (`POST /v2/oauth/revoke`, `POST /oauth2/v2.1/revoke`): 2,000/s per channel.
        case channelTokenRevoke
        /// `GET /oauth2/v2.1/tokens/kid`: 2,000 requests per second per channel.
        case keyIDs
        /// `POST /v2/bot/message/multicast`: 200 requests per second per channel.
        case multicast
        /// `POST /v2/bot/message/broadcast`: 60 requests per hour per channel.
        case broadcast
        /// `POST /v2/bot/message/narrowcast`: 60 requests per hour per channel.
        case narrowcast

        /// What the console calls the endpoint.
        public var label: String {
            switch self {
            case .push: "Push"
            case .shortLivedIssue: "Short-lived token issue"
            case .jwtIssue: "v2.1 token issue"
            case .statelessIssue: "Stateless token issue"
            case .channelTokenVerify: "Channel token verify"
            case .channelTokenRevoke: "Channel token revoke"
            case .keyIDs: "Key ID list"
            case .multicast: "Multicast"
            case .broadcast: "Broadcast"
            case .narrowcast: "Narrowcast"
            }
        }

        /// The period LINE states the limit over: an hour for broadcast and narrowcast (so a full bucket holds an
        /// hour's worth of requests), a second for the others.
        var burstSeconds: Double {
            switch self {
            case .broadcast, .narrowcast: 3600
            default: 1
            }
        }
    }

    /// LINE's published limits: 370/s for short-lived token issue, 2,000/s for push and for LINE's "other endpoints",
    /// 200/s for multicast, 60 an hour for broadcast and narrowcast.
    public static let lineDefaults: [Endpoint: Double] = [
        .push: 2000, .shortLivedIssue: 370, .jwtIssue: 2000, .statelessIssue: 2000, .channelTokenVerify: 2000,
        .channelTokenRevoke: 2000, .keyIDs: 2000, .multicast: 200, .broadcast: 60.0 / 3600, .narrowcast: 60.0 / 3600,
    ]

    static let exceeded = PlatformError.message(429, "The API rate limit has been exceeded. Try again later.")

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Tokens this instance has taken from a shared bucket and not used yet, and the lease being asked for.
    private struct Lease {
        var tokens = 0
        /// When this instance may ask the shared bucket again after it granted less than a full lease.
        var nextLease: ContinuousClock.Instant?
        var pending: (id: Int, task: Task<Void, any Error>)?
    }

    private struct State {
        var configured: [Endpoint: Double]
        /// Rates set for every instance through the shared store; they win over the configured ones.
        var shared: [Endpoint: Double?] = [:]
        var buckets: [String: Bucket] = [:]
        var leases: [String: Lease] = [:]
        var nextLeaseID = 0

        var rates: [Endpoint: Double] {
            var rates = configured
            for (endpoint, rate) in shared { rates[endpoint] = rate }
            return rates
        }
    }

    private let state: Mutex<State>
    /// The buckets several instances share; `nil` keeps them in this process only.
    private let store: (any SharedOperationsStore)?

    /// - Parameter rates: requests per second for each endpoint; a missing endpoint is not limited.
    public init(rates: [Endpoint: Double] = RateLimiter.lineDefaults) {
        state = Mutex(State(configured: rates))
        store = nil
    }

    package init(rates: [Endpoint: Double], shared: (any SharedOperationsStore)?) {
        state = Mutex(State(configured: rates))
        store = shared
    }

    /// The rates the admin API and the console accept, in requests per second: a limit below one request in 100
    /// seconds, or above a million a second, is a typo (or `5e-324`), not a setting.
    public static let acceptableRates: ClosedRange<Double> = 0.01...1_000_000

    /// Whether `rate` is a finite number within ``acceptableRates``.
    public static func isAcceptable(_ rate: Double) -> Bool {
        rate.isFinite && acceptableRates.contains(rate)
    }

    /// The current rates.
    public var rates: [Endpoint: Double] { state.withLock { $0.rates } }

    /// Changes the rate of an endpoint (`nil` removes the limit), on every instance sharing the store; buckets start
    /// full again.
    ///
    /// - Parameters:
    ///   - rate: requests per second, or `nil` for no limit.
    ///   - endpoint: the endpoint limited.
    /// - Throws: the shared store's error when the emulator shares its state with other instances (PostgreSQL) and the
    ///   store cannot save the rate; nothing changes then. A lone instance never throws.
    public func setRate(_ rate: Double?, for endpoint: Endpoint) async throws {
        try await store?.setRateLimit(rate, for: endpoint)
        state.withLock { state in
            if store == nil { state.configured[endpoint] = rate } else { state.shared[endpoint] = .some(rate) }
            Self.forget(endpoint, in: &state)
        }
    }

    /// Takes the rates set for every instance (a reload after another instance changed them).
    func adopt(sharedRates: [Endpoint: Double?]) {
        state.withLock { state in
            for endpoint in Endpoint.allCases where state.shared[endpoint] != sharedRates[endpoint] {
                Self.forget(endpoint, in: &state)
            }
            state.shared = sharedRates
        }
    }

    private static func forget(_ endpoint: Endpoint, in state: inout State) {
        let prefix = endpoint.rawValue + ":"
        state.buckets = state.buckets.filter { !$0.key.hasPrefix(prefix) }
        state.leases = state.leases.filter { !$0.key.hasPrefix(prefix) }
    }

    /// Takes one token from the channel's bucket for `endpoint`; `false` when it is empty (answer 429).
    func allow(_ endpoint: Endpoint, channelID: String) async throws -> Bool {
        guard let rate = rates[endpoint], rate > 0 else { return true }
        guard let store else { return allowLocally(endpoint, channelID: channelID, rate: rate) }
        return try await allowShared(endpoint, channelID: channelID, rate: rate, store: store)
    }

    private func allowLocally(_ endpoint: Endpoint, channelID: String, rate: Double) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            let key = endpoint.rawValue + ":" + channelID
            let capacity = max(rate * endpoint.burstSeconds, 1)
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            bucket.tokens = min(capacity, bucket.tokens + elapsed.seconds * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            state.buckets[key] = bucket
            return allowed
        }
    }

    /// How many tokens an instance takes from a shared bucket at once: a fiftieth of a second's worth, so the
    /// database sees about 50 leases a second per busy channel and instance, whatever the request rate.
    static func leaseSize(rate: Double) -> Int { max(1, Int(rate / 50)) }

    private enum Step {
        case allowed, refused
        case wait(Task<Void, any Error>)
    }

    /// The shared bucket, leased in slices: a request takes a token this instance leased before; when none is left,
    /// one lease (one `UPDATE … RETURNING`, shared by the requests waiting for it) takes up to ``leaseSize(rate:)``
    /// more. After a lease smaller than that, the instance waits until a full one has refilled before it asks again,
    /// and refuses meanwhile; the tokens refill in the database and are not lost.
    private func allowShared(_ endpoint: Endpoint, channelID: String, rate: Double, store: any SharedOperationsStore) async throws -> Bool {
        let key = endpoint.rawValue + ":" + channelID
        let size = Self.leaseSize(rate: rate)
        while true {
            let step: Step = state.withLock { state in
                var lease = state.leases[key] ?? Lease()
                defer { state.leases[key] = lease }
                if lease.tokens > 0 {
                    lease.tokens -= 1
                    return .allowed
                }
                if let pending = lease.pending { return .wait(pending.task) }
                if let next = lease.nextLease, ContinuousClock.now < next { return .refused }
                state.nextLeaseID += 1
                let id = state.nextLeaseID
                let task = Task { [weak self] in
                    do {
                        let granted = try await store.leaseRateLimitTokens(
                            endpoint,
                            channelID: channelID,
                            rate: rate,
                            capacity: max(rate * endpoint.burstSeconds, 1),
                            maximum: size
                        )
                        self?.received(granted, for: key, leaseID: id, size: size, rate: rate)
                    } catch {
                        self?.received(nil, for: key, leaseID: id, size: size, rate: rate)
                        throw error
                    }
                }
                lease.pending = (id, task)
                return .wait(task)
            }
            switch step {
            case .allowed: return true
            case .refused: return false
            case .wait(let task): try await task.value
            }
        }
    }

    private func received(_ granted: RateLimitLease?, for key: String, leaseID: Int, size: Int, rate: Double) {
        state.withLock { state in
            // A rate change since the lease was asked for forgot it: its tokens belong to the old rate.
            guard var lease = state.leases[key], lease.pending?.id == leaseID else { return }
            lease.pending = nil
            if let granted {
                lease.tokens += granted.granted
                let short = granted.granted < size
                lease.nextLease = short ? ContinuousClock.now + .seconds((Double(size) - granted.tokensLeft) / rate) : nil
            }
            state.leases[key] = lease
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
