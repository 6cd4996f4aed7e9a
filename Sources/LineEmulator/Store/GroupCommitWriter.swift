import GRDB
import Synchronization

/// Runs concurrent writes in shared transactions (group commit).
///
/// Each write runs in its own savepoint, so one that throws is rolled back alone; each caller resumes only after the
/// transaction that holds its write has committed, so an answered request is durable as before. Under load one commit
/// carries many writes: SQLite appends each modified page to the WAL once per transaction, not once per write, and
/// the writer's queue is entered once per batch instead of once per request.
final class GroupCommitWriter: Sendable {
    /// One queued write: `run` executes it inside the open transaction and returns what reports its outcome once the
    /// transaction has ended; `fail` reports an error when the transaction could not even begin.
    private struct Job: Sendable {
        let run: @Sendable (Database) -> @Sendable ((any Error)?) -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var isDraining = false
    }

    /// Writes per transaction at most, so the first caller of a long batch does not wait for an unbounded one.
    static let maximumBatch = 512

    private let database: any DatabaseWriter
    private let queue = Mutex(Queue())

    init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Runs `body` in a savepoint of the next shared transaction and returns its result once that has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let result = Result { () throws -> T in
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        return value!
                    }
                    return { commitError in
                        if let commitError, case .success = result {
                            continuation.resume(throwing: commitError)
                        } else {
                            continuation.resume(with: result)
                        }
                    }
                },
                fail: { error in continuation.resume(throwing: error) }
            )
            enqueue(job)
        }
    }

    private func enqueue(_ job: Job) {
        let startsDraining = queue.withLock { queue in
            queue.jobs.append(job)
            guard !queue.isDraining else { return false }
            queue.isDraining = true
            return true
        }
        if startsDraining {
            database.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    /// Commits batches on the writer's queue until no write is waiting.
    private func drain(_ db: Database) {
        while true {
            let batch: [Job] = queue.withLock { queue in
                guard !queue.jobs.isEmpty else {
                    queue.isDraining = false
                    return []
                }
                let count = min(queue.jobs.count, Self.maximumBatch)
                let batch = Array(queue.jobs.prefix(count))
                queue.jobs.removeFirst(count)
                return batch
            }
            guard !batch.isEmpty else { return }
            commit(batch, in: db)
        }
    }

    private func commit(_ batch: [Job], in db: Database) {
        var outcomes: [@Sendable ((any Error)?) -> Void] = []
        outcomes.reserveCapacity(batch.count)
        do {
            try db.inTransaction(.immediate) {
                for job in batch { outcomes.append(job.run(db)) }
                return .commit
            }
            for outcome in outcomes { outcome(nil) }
        } catch {
            for outcome in outcomes { outcome(error) }
            for job in batch.dropFirst(outcomes.count) { job.fail(error) }
        }
    }
}
