import Foundation
import Synchronization

/// The most recent requests the emulator answered, as LINE's guidelines ask apps to log them: time, method,
/// endpoint, status and `x-line-request-id`. Bounded: the oldest entries are dropped. With several instances on one
/// database, one log for all of them, kept in the database.
public final class RequestLog: Sendable {
    /// One answered request.
    public struct Entry: Sendable, Equatable, Codable {
        /// The `x-line-request-id` the emulator answered with.
        public var requestID: String
        /// When the request arrived (on the emulator's clock).
        public var time: Date
        /// The HTTP method.
        public var method: String
        /// The path without the query string (query strings may carry tokens).
        public var path: String
        /// The status answered.
        public var status: Int
        /// How long the emulator took to answer, in milliseconds.
        public var durationMilliseconds: Double

        package init(requestID: String, time: Date, method: String, path: String, status: Int, durationMilliseconds: Double) {
            self.requestID = requestID
            self.time = time
            self.method = method
            self.path = path
            self.status = status
            self.durationMilliseconds = durationMilliseconds
        }
    }

    private struct Ring {
        var entries: [Entry] = []
        var next = 0
    }

    /// Entries not yet written to the shared log, whether a write is scheduled, and the last write (writes run one
    /// after the other, so awaiting the last one awaits them all).
    private struct Pending {
        var entries: [Entry] = []
        var flushScheduled = false
        var lastWrite: Task<Void, Never>?
    }

    /// How many entries are kept; older ones are dropped.
    public let capacity: Int
    private let ring = Mutex(Ring())
    /// The log every instance on the store writes to; `nil` keeps the log in this process only (the ring).
    private let shared: (any SharedOperationsStore)?
    private let pending = Mutex(Pending())

    /// How long an answered request waits before it is written to the shared log, with the others answered meanwhile:
    /// the log is written off the request's path, in batches, at most this late.
    static let flushDelay: Duration = .milliseconds(200)

    /// An empty log keeping the latest `capacity` entries (at least one).
    public init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
        shared = nil
    }

    package init(capacity: Int = 1000, shared: (any SharedOperationsStore)?) {
        self.capacity = max(1, capacity)
        self.shared = shared
    }

    func record(_ entry: Entry) {
        guard shared != nil else { return recordLocally(entry) }
        let schedule = pending.withLock { pending in
            // With the database away, keep at most one log's worth rather than growing without bound.
            if pending.entries.count >= capacity { pending.entries.removeFirst() }
            pending.entries.append(entry)
            defer { pending.flushScheduled = true }
            return !pending.flushScheduled
        }
        if schedule {
            Task {
                try? await Task.sleep(for: Self.flushDelay)
                await flush()
            }
        }
    }

    /// Writes the entries waiting for the shared log, and returns once they and every earlier batch are written (a
    /// failed write drops its batch: the log is a diagnostic aid, and the database may be away).
    func flush() async {
        guard let shared else { return }
        let capacity = capacity
        let write: Task<Void, Never>? = pending.withLock { pending in
            let batch = pending.entries
            pending.entries = []
            pending.flushScheduled = false
            guard !batch.isEmpty else { return pending.lastWrite }
            let previous = pending.lastWrite
            let write = Task {
                await previous?.value
                try? await shared.appendRequestLog(batch, retaining: capacity)
            }
            pending.lastWrite = write
            return write
        }
        await write?.value
    }

    private func recordLocally(_ entry: Entry) {
        ring.withLock { ring in
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.next] = entry
            }
            ring.next = (ring.next + 1) % capacity
        }
    }

    /// Entries, newest first, matching the filters (`status` exact; `method` exact; `path` substring). With several
    /// instances, every instance's entries: this instance's own are written first, so they all show.
    ///
    /// - Parameters:
    ///   - method: only this HTTP method (any case), when given.
    ///   - path: only paths containing this text, when given.
    ///   - status: only this HTTP status, when given.
    ///   - limit: the most entries returned.
    /// - Throws: the shared store's error when the emulator shares its state with other instances (PostgreSQL) and the
    ///   store cannot read the log; a lone instance never throws.
    public func entries(method: String? = nil, path: String? = nil, status: Int? = nil, limit: Int = 200) async throws -> [Entry] {
        if let shared {
            await flush()
            return try await shared.requestLogEntries(method: method?.uppercased(), path: path, status: status, limit: limit)
        }
        let all: [Entry] = ring.withLock { ring in
            ring.entries.count < capacity ? ring.entries : Array(ring.entries[ring.next...] + ring.entries[..<ring.next])
        }
        return all.reversed().lazy.filter { entry in
            (method.map { entry.method == $0.uppercased() } ?? true) && (path.map { entry.path.contains($0) } ?? true)
                && (status.map { entry.status == $0 } ?? true)
        }.prefix(limit).map { $0 }
    }

    func clear() async throws {
        ring.withLock { $0 = Ring() }
        await flush()
        try await shared?.clearRequestLog()
    }
}
