import Synchronization

/// One database read shared by every caller waiting for it, and never older than the caller's question.
///
/// A read sees every change committed before its statement began. A caller joins the next read to be sent, never one
/// in flight: while a read is in flight the callers gather, and the next read, sent when it returns, answers all of
/// them. Alone, a caller is answered by a read of its own, sent at once; under load, one statement answers every
/// caller that asked during the previous one's round trip instead of one statement each.
final class CoalescedRead<Value: Sendable>: Sendable {
    private struct State {
        var waiting: [CheckedContinuation<Value, any Error>] = []
        var reading = false
    }

    private let state = Mutex(State())
    private let read: @Sendable () async throws -> Value

    init(_ read: @escaping @Sendable () async throws -> Value) {
        self.read = read
    }

    /// The value, as a read that began after this call began found it.
    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let starts = state.withLock { state in
                state.waiting.append(continuation)
                guard !state.reading else { return false }
                state.reading = true
                return true
            }
            if starts { Task { await readWhileAsked() } }
        }
    }

    /// Reads for the callers gathered so far, then for those who asked meanwhile, until none is waiting.
    private func readWhileAsked() async {
        while true {
            // Taken before the read is sent: every caller answered by it asked before it began.
            let asked = state.withLock { state in
                let asked = state.waiting
                state.waiting = []
                if asked.isEmpty { state.reading = false }
                return asked
            }
            guard !asked.isEmpty else { return }
            let result: Result<Value, any Error>
            do { result = .success(try await read()) } catch { result = .failure(error) }
            for caller in asked { caller.resume(with: result) }
        }
    }
}
