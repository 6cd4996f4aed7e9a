import Foundation
import Synchronization

/// Per-channel token buckets, as LINE limits its APIs (the *Messaging API reference*'s rate limits: "per endpoint and method, per channel").
///
/// Rates are requests per second with a burst of one second's worth (an hour's for LINE's per-hour limits; at least one request). They follow real time, not the emulator clock,
/// so a load test meets the same limits it would meet on LINE. Each emulator instance keeps its own buckets.
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

    private struct State {
        var rates: [Endpoint: Double]
        var buckets: [String: Bucket] = [:]
    }

    private let state: Mutex<State>

    /// - Parameter rates: requests per second for each endpoint; a missing endpoint is not limited.
    public init(rates: [Endpoint: Double] = RateLimiter.lineDefaults) {
        state = Mutex(State(rates: rates))
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

    /// Changes the rate of an endpoint (`nil` removes the limit); buckets start full again.
    public func setRate(_ rate: Double?, for endpoint: Endpoint) {
        state.withLock { state in
            state.rates[endpoint] = rate
            state.buckets = state.buckets.filter { !$0.key.hasPrefix(endpoint.rawValue + ":") }
        }
    }

    /// Takes one token from the channel's bucket for `endpoint`; `false` when it is empty (answer 429).
    func allow(_ endpoint: Endpoint, channelID: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let rate = state.rates[endpoint], rate > 0 else { return true }
            let key = endpoint.rawValue + ":" + channelID
            let capacity = max(rate * endpoint.burstSeconds, 1)
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            state.buckets[key] = bucket
            return allowed
        }
    }
}
