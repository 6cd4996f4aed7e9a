import Foundation
import HTTPTypes

/// Keeps an app's requests within ``RateLimits``: a token bucket per endpoint family and channel (the bearer token
/// or the form's `client_id` tells channels apart), each holding one interval's worth, and optionally a cap on
/// requests in flight. A request over a cap waits its turn; one that would wait longer than `maximumWait` fails with
/// `LineAPIError.Code.rateCapExceeded` without waiting.
public actor RequestLimiter {
    /// The caps kept.
    public let limits: RateLimits
    /// How many requests had to wait for their turn so far (the SDK's tests check that LINE's rates hold none back).
    package private(set) var delayedRequests = 0
    private var inFlight = 0
    private var buckets: [BucketKey: Bucket] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private struct BucketKey: Hashable {
        var family: EndpointFamily
        var partition: String
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// A limiter.
    ///
    /// - Parameter limits: the caps; default LINE's documented rates.
    public init(limits: RateLimits = .line) {
        self.limits = limits
    }

    /// Runs `operation` within the caps of `request`'s family.
    ///
    /// - Parameters:
    ///   - request: the request about to be sent (its method, path and credential choose the bucket).
    ///   - operation: sends it.
    /// - Throws: `LineAPIError` with `.rateCapExceeded` when the turn would come after `maximumWait`; `operation`'s
    ///   errors.
    public func run<T: Sendable>(_ request: LineHTTPRequest, _ operation: @Sendable () async throws -> T) async throws -> T {
        let family = EndpointFamily(method: request.method, path: request.url.path)
        try await acquire(family: family, partition: Self.partition(of: request))
        defer { release() }
        return try await operation()
    }

    private func acquire(family: EndpointFamily, partition: String) async throws {
        let deadline = ContinuousClock.now + limits.maximumWait
        let key = BucketKey(family: family, partition: partition)
        var waited = false
        while true {
            if let maximum = limits.maximumConcurrent, inFlight >= maximum {
                guard ContinuousClock.now < deadline else { throw refusal(family) }
                waited = true
                await withCheckedContinuation { waiters.append($0) }
                continue
            }
            var admitted = true
            if let rate = limits[family] {
                var bucket = refilled(buckets[key], rate: rate)
                admitted = bucket.tokens >= 1
                if admitted { bucket.tokens -= 1 }
                buckets[key] = bucket
                if !admitted {
                    let wait = Duration.seconds((1 - bucket.tokens) / rate.perSecondValue)
                    guard ContinuousClock.now + wait <= deadline else { throw refusal(family) }
                    waited = true
                    try await Task.sleep(for: wait)
                }
            }
            if admitted {
                inFlight += 1
                if waited { delayedRequests += 1 }
                return
            }
        }
    }

    private func release() {
        inFlight -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume() }
        // Full buckets are the same as absent ones: drop them now and then, so stateless tokens (one per use) do not
        // pile up.
        if buckets.count > 1024 {
            buckets = buckets.filter { key, bucket in
                guard let rate = limits[key.family] else { return false }
                return refilled(bucket, rate: rate).tokens < Double(rate.requests)
            }
        }
    }

    private func refilled(_ bucket: Bucket?, rate: Rate) -> Bucket {
        let now = ContinuousClock.now
        guard var bucket else { return Bucket(tokens: Double(rate.requests), updated: now) }
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(Double(rate.requests), bucket.tokens + seconds * rate.perSecondValue)
        bucket.updated = now
        return bucket
    }

    private func refusal(_ family: EndpointFamily) -> LineAPIError {
        LineAPIError(
            code: .rateCapExceeded,
            message: "the client-side cap of \(family) (\(limits[family]?.description ?? "in flight")) is reached"
        )
    }

    /// What tells channels apart: the `Authorization` header, or a form body's `client_id`.
    private static func partition(of request: LineHTTPRequest) -> String {
        if let authorization = request.headers[.authorization] { return authorization }
        guard let body = request.body, let form = String(data: body, encoding: .utf8) else { return "" }
        for field in form.split(separator: "&") where field.hasPrefix("client_id=") { return String(field) }
        return ""
    }
}
