import Foundation
import Synchronization

/// The most recent requests the emulator answered, as LINE's guidelines ask apps to log them: time, method,
/// endpoint, status and `x-line-request-id`. Bounded: the oldest entries are dropped.
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
    }

    private struct Ring {
        var entries: [Entry] = []
        var next = 0
    }

    /// How many entries are kept; older ones are dropped.
    public let capacity: Int
    private let ring = Mutex(Ring())

    /// An empty log keeping the latest `capacity` entries (at least one).
    public init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
    }

    func record(_ entry: Entry) {
        ring.withLock { ring in
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.next] = entry
            }
            ring.next = (ring.next + 1) % capacity
        }
    }

    /// Entries, newest first, matching the filters (`status` exact; `method` exact; `path` substring).
    public func entries(method: String? = nil, path: String? = nil, status: Int? = nil, limit: Int = 200) -> [Entry] {
        let all: [Entry] = ring.withLock { ring in
            ring.entries.count < capacity ? ring.entries : Array(ring.entries[ring.next...] + ring.entries[..<ring.next])
        }
        return all.reversed().lazy.filter { entry in
            (method.map { entry.method == $0.uppercased() } ?? true) && (path.map { entry.path.contains($0) } ?? true)
                && (status.map { entry.status == $0 } ?? true)
        }.prefix(limit).map { $0 }
    }

    func clear() {
        ring.withLock { $0 = Ring() }
    }
}
