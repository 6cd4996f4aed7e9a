import Logging
import NIOConcurrencyHelpers

/// Counts open connections against the cap, and logs refusals (at most one line a second, with how many).
final class ConnectionCounter: Sendable {
    private struct State {
        var open = 0
        var refusedSinceLog = 0
        var lastLog = ContinuousClock.Instant.now - .seconds(2)
    }

    private let limit: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Counts a new connection; `false` (and nothing counted) when the cap is reached.
    func open() -> Bool {
        let (accepted, refusedToReport) = state.withLockedValue { state -> (Bool, Int?) in
            if state.open < limit {
                state.open += 1
                return (true, nil)
            }
            state.refusedSinceLog += 1
            let now = ContinuousClock.now
            guard now - state.lastLog >= .seconds(1) else { return (false, nil) }
            defer { state.refusedSinceLog = 0 }
            state.lastLog = now
            return (false, state.refusedSinceLog)
        }
        if let refusedToReport {
            logger.warning(
                "refused \(refusedToReport) connection(s) with 503: \(limit) are open, the limit (--max-connections)"
            )
        }
        return accepted
    }

    func close() {
        state.withLockedValue { $0.open -= 1 }
    }
}
