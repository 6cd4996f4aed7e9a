import LineEmulator
import Synchronization

/// Channel and user rows cached in one instance, each with the operations version it was read at.
///
/// Every change to a channel or a user bumps `platform_clock.operations_version` in the transaction that makes it, and
/// a cached row is read together with that version in one statement (one snapshot). A request reads the version at
/// its start (``SharedOperationsState/currentRequest``); a row cached at that version or a later one reflects every
/// change committed before the request began, on any instance. Outside a request nothing is answered from the cache.
final class PostgresRowCache<Row: Sendable>: Sendable {
    private struct Entry {
        var row: Row
        var version: Int64
    }

    private let entries = Mutex([String: Entry]())

    /// The row cached for `id`, when the request being served may use it.
    func row(_ id: String) -> Row? {
        guard let needed = SharedOperationsState.currentRequest?.version else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[id], entry.version >= needed else { return nil }
            return entry.row
        }
    }

    /// Keeps `row`, read at `version`, unless a row read at a later version is kept already.
    func keep(_ row: Row, id: String, version: Int64) {
        entries.withLock { entries in
            if let kept = entries[id], kept.version > version { return }
            entries[id] = Entry(row: row, version: version)
        }
    }
}
