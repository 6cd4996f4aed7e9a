import Foundation

/// A client-side cap on concurrency and request rate, so an app cannot mass-request LINE by accident (LINE's
/// guidelines prohibit it and answer 429). Requests over the cap wait their turn; with `maximumWait`, they fail
/// instead of waiting longer.
public actor RequestLimiter {
    public struct Limits: Sendable {
        /// Requests in flight at once.
        public var maximumConcurrent: Int
        /// Requests started per second (a token bucket holding one second's worth).
        public var requestsPerSecond: Double
        /// The longest a request waits for its turn before failing with `.rateCapExceeded`.
        public var maximumWait: Duration

        public init(maximumConcurrent: Int = 32, requestsPerSecond: Double = 100, maximumWait: Duration = .seconds(30)) {
            self.maximumConcurrent = max(1, maximumConcurrent)
            self.requestsPerSecond = max(0.001, requestsPerSecond)
            self.maximumWait = maximumWait
        }
    }

    public let limits: Limits
    private var inFlight = 0
    private var tokens: Double
    private var updated: ContinuousClock.Instant
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(limits: Limits = Limits()) {
        self.limits = limits
        tokens = max(1, limits.requestsPerSecond)
        updated = .now
    }

    /// Runs `operation` within the limits.
    public func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await operation()
    }

    private func acquire() async throws {
        let deadline = ContinuousClock.now + limits.maximumWait
        while true {
            refill()
            if inFlight < limits.maximumConcurrent && tokens >= 1 {
                tokens -= 1
                inFlight += 1
                return
            }
            guard ContinuousClock.now < deadline else { throw LineAPIError(code: .rateCapExceeded) }
            if inFlight >= limits.maximumConcurrent {
                await withCheckedContinuation { waiters.append($0) }
            } else {
                let missing = 1 - tokens
                try await Task.sleep(for: .milliseconds(Int64((missing / limits.requestsPerSecond) * 1000) + 1))
            }
        }
    }

    private func release() {
        inFlight -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    private func refill() {
        let now = ContinuousClock.now
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(max(1, limits.requestsPerSecond), tokens + seconds * limits.requestsPerSecond)
        updated = now
    }
}
