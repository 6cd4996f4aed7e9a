import Synchronization

/// Rows kept in memory in front of the database, so the hot reads (a token on every API call) skip SQLite. `Value`
/// may be optional, to remember that a key has no row.
///
/// Bounded: past `capacity` keys the oldest inserted is dropped. Safe against a read racing a write: a caller takes
/// a ``generation`` before it reads the database and stores what it read only with that generation, and every
/// invalidation moves the generation on, so a value read before a write committed is never kept after it.
///
/// Invalidations are tracked per key, coarsely: each key hashes to one of 1,024 slots that remember the generation
/// of the last invalidation in them. A store is refused only when its key's slot (or the whole cache) was
/// invalidated after its generation was taken, so under load unrelated writes do not keep every new row out.
///
/// The cache belongs to a store that is the only writer of its database (one emulator process per SQLite file).
final class RowCache<Value: Sendable>: Sendable {
    private struct State {
        var values: [String: Value] = [:]
        /// Keys in insertion order, as a ring; a slot may name a key removed since, which costs nothing.
        var order: [String?]
        var next = 0
        var generation: UInt64 = 0
        /// The generation of the last invalidation of any key in each slot.
        var invalidated = [UInt64](repeating: 0, count: RowCache.slotCount)
        /// The generation of the last `removeAll`.
        var cleared: UInt64 = 0
    }

    private static var slotCount: Int { 1024 }

    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(order: Array(repeating: nil, count: max(1, capacity))))
    }

    /// The current generation: pass it to ``store(_:for:ifGeneration:)`` with what is read from the database after.
    var generation: UInt64 { state.withLock { $0.generation } }

    subscript(key: String) -> Value? { state.withLock { $0.values[key] } }

    /// Keeps `value`, unless `key` may have been invalidated since `generation` was taken: then the key is forgotten,
    /// as its row may have changed after `value` was read.
    func store(_ value: Value, for key: String, ifGeneration generation: UInt64) {
        let slot = Self.slot(of: key)
        state.withLock { state in
            guard state.cleared <= generation, state.invalidated[slot] <= generation else {
                state.values[key] = nil
                return
            }
            if state.values.updateValue(value, forKey: key) == nil {
                if let evicted = state.order[state.next] { state.values[evicted] = nil }
                state.order[state.next] = key
                state.next = (state.next + 1) % capacity
            }
        }
    }

    /// Forgets `keys` (after a write that changed their rows has committed).
    func remove<Keys: Sequence<String>>(_ keys: Keys) {
        state.withLock { state in
            state.generation &+= 1
            for key in keys {
                state.values[key] = nil
                state.invalidated[Self.slot(of: key)] = state.generation
            }
        }
    }

    func removeAll() {
        state.withLock { state in
            state.generation &+= 1
            state.cleared = state.generation
            state.values.removeAll(keepingCapacity: true)
            state.order = Array(repeating: nil, count: capacity)
            state.next = 0
        }
    }

    /// The invalidation slot of `key`.
    static func slot(of key: String) -> Int {
        Int(UInt(bitPattern: key.hashValue) % UInt(slotCount))
    }
}
