import Foundation
import Synchronization

/// The emulator's notion of "now": the system clock (or a fixed start) plus an offset that only grows.
///
/// Every expiry decision in the emulator reads this clock, so tests make codes and tokens expire by
/// advancing it (`POST /_emulator/v1/clock/advance`) instead of sleeping.
public final class EmulatorClock: Sendable {
    private let base: @Sendable () -> Date
    private let offset = Mutex<TimeInterval>(0)

    /// A clock that follows the system time.
    public init() {
        self.base = { Date() }
    }

    /// A clock frozen at `start` until advanced: fully deterministic tests.
    public init(fixed start: Date) {
        self.base = { start }
    }

    /// The current emulator time, in whole seconds like every time LINE reports, so a lifetime added to one reading
    /// and the same duration added to the clock land on exactly the same instant.
    public var now: Date {
        let seconds = base().timeIntervalSince1970 + offset.withLock { $0 }
        return Date(timeIntervalSince1970: seconds.rounded(.down))
    }

    /// The current emulator time with its fraction of a second, for comparing two instants (`max_age`) where whole
    /// seconds would make a login and a request in the same second look simultaneous.
    var preciseNow: Date {
        Date(timeIntervalSince1970: base().timeIntervalSince1970 + offset.withLock { $0 })
    }

    /// How far the clock has been advanced, in seconds.
    public var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    /// Moves the clock forward; negative durations are ignored, because time in the emulator never goes back.
    public func advance(by seconds: TimeInterval) {
        guard seconds > 0, seconds.isFinite else { return }
        offset.withLock { $0 += seconds }
    }

    /// Returns to the base time (used by `POST /_emulator/v1/reset`).
    func resetOffset() {
        offset.withLock { $0 = 0 }
    }
}
