import Foundation

/// Exponential backoff with full jitter, for idempotent calls that failed transiently (429, 5xx, timeouts).
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included. `1` turns retries off.
    public var maximumAttempts: Int
    /// The backoff before the second attempt; it doubles each time up to `maximumDelay`.
    public var baseDelay: Duration
    /// The longest single wait, however many attempts came before.
    public var maximumDelay: Duration
    /// The most time all waits of one call may add up to.
    public var budget: Duration

    /// A policy; by default 4 attempts, waits from 200 ms doubling up to 5 s, and at most 20 s of waiting in all.
    public init(
        maximumAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(200),
        maximumDelay: Duration = .seconds(5),
        budget: Duration = .seconds(20)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.budget = budget
    }

    /// No retries.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The wait before attempt `attempt + 1` (attempt counts from 1): uniformly random up to the capped exponential.
    public func delay(afterAttempt attempt: Int, random: (Double) -> Double = { Double.random(in: 0...$0) }) -> Duration {
        let exponent = Double(min(attempt - 1, 30))
        let cap = min(seconds(maximumDelay), seconds(baseDelay) * pow(2, exponent))
        return .milliseconds(Int64(random(cap) * 1000))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Waits between attempts; tests inject one that records instead of sleeping.
public protocol RetrySleeper: Sendable {
    /// Waits `duration` before the next attempt.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting (the call then stops retrying).
    func sleep(for duration: Duration) async throws
}

/// Sleeps on the continuous clock.
public struct TaskSleeper: RetrySleeper {
    /// The sleeper the SDK's clients use by default.
    public init() {}

    /// Sleeps with `Task.sleep(for:)`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while sleeping.
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
