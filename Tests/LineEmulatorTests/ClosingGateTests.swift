import Synchronization
import Testing

@testable import LineEmulator

@Suite("ClosingGate")
struct ClosingGateTests {
    @Test("close waits for the call running; a call after it fails with StoreClosedError, and a second close returns")
    func closeWaitsForRunningCalls() async throws {
        let gate = ClosingGate()
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let closed = Flag()
        let call = Task {
            try await gate.run {
                enteredContinuation.yield()
                for await _ in release {}
                return closed.isSet
            }
        }
        for await _ in entered { break }
        let close = Task {
            await gate.close()
            closed.set()
        }
        // Once the close has begun, calls are refused (the close task starts at a moment of its own).
        var refused = false
        for _ in 0..<100_000 where !refused {
            refused = (try? await gate.run {}) == nil
            await Task.yield()
        }
        #expect(refused)
        await #expect(throws: StoreClosedError.self) { try await gate.run {} }
        releaseContinuation.finish()
        #expect(try await call.value == false, "the close returned while the call was still running")
        await close.value
        #expect(closed.isSet)
        await gate.close()
    }
}

/// A flag that tasks share.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
}
