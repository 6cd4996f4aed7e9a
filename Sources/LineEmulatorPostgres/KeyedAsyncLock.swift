import Synchronization

/// Lets one task at a time through per key, in the order they came; a waiter whose task is cancelled leaves the queue.
///
/// Used in front of a database row lock that every writer of a key takes (the channel row, for capped channel
/// tokens): the writers of one instance queue here, so at most one per instance waits on the row, instead of every
/// pooled connection waking at each commit to find the row taken again.
final class KeyedAsyncLock: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var nextID: UInt64 = 0
        /// A key is held while it has an entry; the entry lists its waiters, first come first.
        var queues: [String: [Waiter]] = [:]
    }

    private let state = Mutex(State())

    /// Runs `body` holding `key`, after every task that asked for it before.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while it waits; whatever `body` throws.
    func withLock<Result: Sendable>(_ key: String, _ body: () async throws -> Result) async throws -> Result {
        try await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async throws {
        let id: UInt64? = state.withLock { state in
            guard state.queues[key] != nil else {
                state.queues[key] = []
                return nil
            }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    guard state.queues[key] != nil else {
                        state.queues[key] = []
                        return .success(())
                    }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.queues[key, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.queues[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                return state.queues[key]?.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands `key` to its first waiter, or frees it.
    private func release(_ key: String) {
        let next: Waiter? = state.withLock { state in
            guard var waiters = state.queues[key], !waiters.isEmpty else {
                state.queues[key] = nil
                return nil
            }
            let next = waiters.removeFirst()
            state.queues[key] = waiters
            return next
        }
        next?.continuation.resume()
    }
}
