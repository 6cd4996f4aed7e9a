import Synchronization

/// One database read shared by every caller waiting for it, and never older than the caller's question.
///
/// A read sees every change committed before its statement began. A caller joins the next read to be sent, never one
/// in flight: while a read is in flight the callers gather, and the next read, sent when it returns, answers all of
/// them. Alone, a caller is answered by a read of its own, sent at once; under load, one statement answers every
/// caller that asked during the previous one's round trip instead of one statement each.
///
/// A caller whose task is cancelled is answered at once with `CancellationError`, whether it is still gathering or its
/// read is in flight; the read goes on for the others.
final class CoalescedRead<Value: Sendable>: Sendable {
    private typealias Caller = CheckedContinuation<Value, any Error>

    private struct State {
        /// Callers gathering for the next read, by ticket.
        var waiting: [Int: Caller] = [:]
        /// Callers the read in flight will answer, by ticket.
        var answering: [Int: Caller] = [:]
        var reading = false
        var nextTicket = 0
    }

    private let state = Mutex(State())
    private let read: @Sendable () async throws -> Value

    init(_ read: @escaping @Sendable () async throws -> Value) {
        self.read = read
    }

    /// The value, as a read that began after this call began found it.
    func value() async throws -> Value {
        let ticket = state.withLock { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (caller: Caller) in
                let starts = state.withLock { state -> Bool? in
                    // Checked under the lock that the cancellation handler takes: a cancellation either came before
                    // (and is seen here) or finds the caller waiting.
                    guard !Task.isCancelled else { return nil }
                    state.waiting[ticket] = caller
                    guard !state.reading else { return false }
                    state.reading = true
                    return true
                }
                switch starts {
                case nil: caller.resume(throwing: CancellationError())
                case true?: Task { await readWhileAsked() }
                case false?: break
                }
            }
        } onCancel: {
            let caller = state.withLock { state in
                state.waiting.removeValue(forKey: ticket) ?? state.answering.removeValue(forKey: ticket)
            }
            caller?.resume(throwing: CancellationError())
        }
    }

    /// Reads for the callers gathered so far, then for those who asked meanwhile, until none is waiting.
    private func readWhileAsked() async {
        while true {
            // Taken before the read is sent: every caller answered by it asked before it began.
            let starts = state.withLock { state in
                state.answering = state.waiting
                state.waiting = [:]
                if state.answering.isEmpty { state.reading = false }
                return !state.answering.isEmpty
            }
            guard starts else { return }
            let result: Result<Value, any Error>
            do { result = .success(try await read()) } catch { result = .failure(error) }
            // Those cancelled meanwhile were answered already and are no longer here.
            let answered = state.withLock { state in
                defer { state.answering = [:] }
                return Array(state.answering.values)
            }
            for caller in answered { caller.resume(with: result) }
        }
    }
}
