import Synchronization

/// A store operation that outlived its limit.
struct TimeoutError: Error {
    var limit: Duration
}

/// Answers the store operations that outlive their limit, with one task for all of them.
///
/// Each operation's work runs in a task of its own, and its caller waits for whichever comes first: the work's
/// result, or the watchdog's ``TimeoutError``. The caller must be answered even when the work does not end: a query on
/// a connection the database dropped may not notice its cancellation (it is cancelled, and left to end on its own).
/// One ticking task checks every operation in flight, instead of a timer task per operation, which cost as much as
/// the rest of a short statement's bookkeeping; an operation is answered at its limit, or at most one tick later.
final class OperationWatchdog: Sendable {
    /// How often the deadlines are checked.
    static let tick: Duration = .milliseconds(250)

    private struct Watched {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var watched: [UInt64: Watched] = [:]
    }

    private let state = Mutex(State())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    init() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.tick)
                guard let self else { return }
                self.expireOverdue()
            }
        }
        ticker.withLock { $0 = task }
    }

    deinit { ticker.withLock { $0?.cancel() } }

    /// Runs `body`, or throws ``TimeoutError`` once `limit` has passed, whether or not `body` has ended by then.
    func run<Result: Sendable>(limit: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let outcome = OnceContinuation<Result>()
        let work = Task {
            do { outcome.resume(with: .success(try await body())) } catch { outcome.resume(with: .failure(error)) }
        }
        let id = watch(until: .now + limit) {
            outcome.resume(with: .failure(TimeoutError(limit: limit)))
            work.cancel()
        }
        defer { state.withLock { _ = $0.watched.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in outcome.set(continuation) }
        } onCancel: {
            work.cancel()
            outcome.resume(with: .failure(CancellationError()))
        }
    }

    private func watch(until deadline: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { state in
            state.nextID &+= 1
            state.watched[state.nextID] = Watched(deadline: deadline, expire: expire)
            return state.nextID
        }
    }

    /// Removes the operations past their deadline, then answers them (outside the lock).
    private func expireOverdue() {
        let now = ContinuousClock.now
        let overdue = state.withLock { state in
            let ids = state.watched.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.watched.removeValue(forKey: $0)?.expire }
        }
        for expire in overdue { expire() }
    }
}

/// A continuation resumed by whichever of several racers comes first (a result that arrives before the continuation
/// is set is kept for it).
private final class OnceContinuation<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = state.withLock { state in
            guard let early = state.early else {
                state.continuation = continuation
                return nil
            }
            state.early = nil
            return early
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
