import Foundation
import Synchronization

/// The emulator's notion of "now": the system clock (or a fixed start) plus an offset that only grows.
///
/// Every expiry decision in the emulator reads this clock, so tests make codes and tokens expire by
/// advancing it (`POST /_emulator/v1/clock/advance`) instead of sleeping.
public final class EmulatorClock: Sendable {
    private let base: @Sendable () -> Date
    private let state = Mutex(State())

    /// The offset, and what changed it here since it was last written to a shared store (see ``ClockChange``).
    private struct State {
        var offset: TimeInterval = 0
        var pending = ClockChange()
    }

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
        let seconds = base().timeIntervalSince1970 + offsetSeconds
        return Date(timeIntervalSince1970: seconds.rounded(.down))
    }

    /// The current emulator time with its fraction of a second, for comparing two instants (`max_age`) where whole
    /// seconds would make a login and a request in the same second look simultaneous.
    var preciseNow: Date {
        Date(timeIntervalSince1970: base().timeIntervalSince1970 + offsetSeconds)
    }

    /// How far the clock has been advanced, in seconds.
    public var offsetSeconds: TimeInterval { state.withLock { $0.offset } }

    /// The longest single advance: ten years.
    public static let maximumAdvance: TimeInterval = 10 * 365 * 24 * 3600
    /// The furthest the clock may be ahead of its base, in total: a hundred years, so every time it reports stays
    /// a date that converts to whole seconds (`Int`) and ISO 8601 without overflow.
    public static let maximumOffset: TimeInterval = 100 * 365 * 24 * 3600

    /// Why the clock refused to move.
    public enum AdvanceRefusal: Error, Equatable, CustomStringConvertible {
        /// Zero, negative, NaN or infinite: time in the emulator only goes forward, by a real duration.
        case notPositive
        /// More than ``EmulatorClock/maximumAdvance`` at once.
        case tooLong
        /// The clock would end up more than ``EmulatorClock/maximumOffset`` ahead of its base.
        case tooFar

        public var description: String {
            switch self {
            case .notPositive, .tooLong: "seconds must be a positive number of seconds (at most ten years)"
            case .tooFar: "the clock cannot be more than a hundred years ahead (reset it first)"
            }
        }
    }

    /// Moves the clock forward by `seconds`, or throws without moving it. The admin API and the console both advance
    /// through here, so one bound holds whatever the input.
    ///
    /// - Throws: ``AdvanceRefusal`` when `seconds` is not a positive finite number, is more than ten years, or would
    ///   put the clock more than ``maximumOffset`` ahead of its base.
    public func checkedAdvance(by seconds: TimeInterval) throws(AdvanceRefusal) {
        guard seconds > 0, seconds.isFinite else { throw .notPositive }
        guard seconds <= Self.maximumAdvance else { throw .tooLong }
        try state.withLock { (state: inout State) throws(AdvanceRefusal) in
            guard state.offset + seconds <= Self.maximumOffset else { throw .tooFar }
            state.offset += seconds
            state.pending.advance += seconds
        }
    }

    /// Moves the clock forward; a duration ``checkedAdvance(by:)`` refuses (not positive, or too far) is ignored.
    public func advance(by seconds: TimeInterval) {
        try? checkedAdvance(by: seconds)
    }

    /// Returns to the base time (used by `POST /_emulator/v1/reset`).
    func resetOffset() {
        state.withLock { $0 = State(offset: 0, pending: ClockChange(reset: true)) }
    }

    // MARK: Sharing the offset between instances

    /// Takes the offset several instances share: what this instance changed and has not written yet stays applied.
    func adopt(sharedOffset: TimeInterval) {
        state.withLock { state in
            state.offset = min((state.pending.reset ? 0 : sharedOffset) + state.pending.advance, Self.maximumOffset)
        }
    }

    /// The changes made here since the last call, to be written to the shared offset; `nil` when there are none.
    func takePendingChange() -> ClockChange? {
        state.withLock { state in
            defer { state.pending = ClockChange() }
            return state.pending.reset || state.pending.advance != 0 ? state.pending : nil
        }
    }
}

/// How the clock was moved on one instance: reset first (when `reset`), then advanced by `advance` seconds.
package struct ClockChange: Sendable, Equatable {
    package var reset = false
    package var advance: TimeInterval = 0
}
