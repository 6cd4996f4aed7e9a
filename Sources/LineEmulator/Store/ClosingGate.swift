import Synchronization

/// Lets a store's database calls run until the store closes: a call made after ``close()`` fails with
/// ``StoreClosedError``, and ``close()`` returns only once the calls already running have finished, so nothing touches
/// the database once it is closed (a closed in-memory SQLite connection would crash the process, not throw).
final class ClosingGate: Sendable {
    private struct State {
        var isClosed = false
        var running = 0
        /// The closes waiting for the running calls.
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` unless the gate is closed.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        try state.withLock { state in
            guard !state.isClosed else { throw StoreClosedError() }
            state.running += 1
        }
        defer { leave() }
        return try await body()
    }

    /// Refuses calls from now on, and returns once every call already running has finished.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isDrained = state.withLock { state in
                state.isClosed = true
                guard state.running > 0 else { return true }
                state.drained.append(continuation)
                return false
            }
            if isDrained { continuation.resume() }
        }
    }

    private func leave() {
        let drained = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for close in drained { close.resume() }
    }
}

/// A store call made after the emulator stopped and closed its store.
struct StoreClosedError: Error, CustomStringConvertible {
    var description: String { "the emulator has stopped: its store is closed" }
}
