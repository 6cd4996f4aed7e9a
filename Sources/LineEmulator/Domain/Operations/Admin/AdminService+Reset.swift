import Foundation

/// Starting over.
extension AdminService {
    /// Deletes all state and applies the seed again (the emulator's own keys stay), puts the clock back, and removes
    /// every fault rule and logged request. Returns the clock afterwards.
    func reset() async throws -> ClockReading {
        try await store.reset(to: seed)
        clock.resetOffset()
        try await faults.removeAll()
        try await requestLog.clear()
        return try await clockReading()
    }
}
