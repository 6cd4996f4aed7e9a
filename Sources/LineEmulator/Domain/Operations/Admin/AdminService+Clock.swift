import Foundation

/// The emulator's clock, which tests advance instead of sleeping.
extension AdminService {
    /// The clock at one instant: the time and how far it has been advanced.
    struct ClockReading: Sendable, Equatable {
        var now: Date
        var offsetSeconds: TimeInterval
    }

    func clockReading() async throws -> ClockReading {
        ClockReading(now: clock.now, offsetSeconds: clock.offsetSeconds)
    }

    /// Moves the clock forward by `seconds` (positive, at most ten years at once and a hundred in total), or refuses
    /// without moving it.
    func advanceClock(by seconds: TimeInterval) async throws -> ClockReading {
        do throws(EmulatorClock.AdvanceRefusal) {
            try clock.checkedAdvance(by: seconds)
        } catch {
            throw AdminError.invalid(error.description)
        }
        return try await clockReading()
    }
}
