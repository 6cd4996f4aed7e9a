import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite file (WAL mode) through GRDB, or an in-memory database for tests.
///
/// Writes of concurrent requests share transactions (``GroupCommitWriter``); each has committed before its method
/// returns, and with WAL and `synchronous=NORMAL` a committed write survives the emulator process being killed.
/// Reads of tokens and users, which every API call makes, are served from bounded in-memory caches (``RowCache``)
/// that the store keeps in step with its own writes: one emulator process owns an SQLite file (``DatabaseFileLock``).
///
/// This file holds the type, its opening and its writer; each LINE area is in its own `SQLiteStore+…` file, the schema
/// in ``SQLiteSchema`` and row decoding in `SQLiteRows.swift`.
final class SQLiteStore: EmulatorStore {
    let database: any DatabaseWriter
    private let writer: GroupCommitWriter
    /// Every call to the database goes through it, so none does once the store has closed.
    private let gate = ClosingGate()
    /// Held while the file is open: the caches below are correct only while this process is its one writer.
    private let fileLock: DatabaseFileLock?
    /// Channels never change once created (only a reset deletes them), so reads of them are cached.
    let channelCache = Mutex<[String: Channel]>([:])
    /// User access tokens by access token.
    let userTokenCache: RowCache<UserAccessToken?>
    /// The newest user access token of each grant, by refresh token.
    let grantCache: RowCache<UserAccessToken?>
    /// Stored channel access tokens by access token.
    let channelTokenCache: RowCache<ChannelAccessToken?>
    let userCache: RowCache<User?>
    /// Every user, in order (the login page lists them), under the single key ``allUsers``.
    let userListCache: RowCache<[User]?>
    static let allUsers = "*"
    /// Authorization codes, and whether each has been redeemed.
    let codeCache: RowCache<(code: AuthorizationCode, isUsed: Bool)?>
    /// Whether a user is a friend of a channel's bot, by ``friendshipKey(_:_:)``.
    let friendshipCache: RowCache<Bool?>

    /// Rows each cache keeps at most: a few megabytes each, whatever the number of requests served.
    static let cacheCapacity = 8192

    /// Opens (creating if needed) the database at `path`, or an in-memory database when `path` is `nil`.
    init(path: String?) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        if let path {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            fileLock = try DatabaseFileLock(databasePath: path)
            database = try DatabasePool(path: path, configuration: configuration)
        } else {
            fileLock = nil
            database = try DatabaseQueue(configuration: configuration)
        }
        try SQLiteSchema.migrator.migrate(database)
        writer = GroupCommitWriter(database: database)
        userTokenCache = RowCache(capacity: Self.cacheCapacity)
        grantCache = RowCache(capacity: Self.cacheCapacity)
        channelTokenCache = RowCache(capacity: Self.cacheCapacity)
        userCache = RowCache(capacity: Self.cacheCapacity)
        friendshipCache = RowCache(capacity: Self.cacheCapacity)
        userListCache = RowCache(capacity: 1)
        codeCache = RowCache(capacity: Self.cacheCapacity)
    }

    static func friendshipKey(_ userID: String, _ channelID: String) -> String { userID + " " + channelID }

    /// Closes the database and releases the file's lock, so another emulator can open the file at once instead of
    /// when the last reference to this store goes (a server's connections can hold one for a while after it stops).
    /// Calls made after it fail with ``StoreClosedError``; it waits for the calls still running.
    func close() async {
        await gate.close()
        // No call is running now. GRDB finalizes its cached statements, so closing fails (SQLITE_BUSY) only with
        // statements still alive, which this store does not keep; the file is given up either way.
        try? database.close()
        fileLock?.release()
        // Nor does a row cached before answer from memory.
        emptyCaches()
    }

    /// Forgets every cached row (after a reset, or at close).
    func emptyCaches() {
        channelCache.withLock { $0.removeAll() }
        userTokenCache.removeAll()
        grantCache.removeAll()
        channelTokenCache.removeAll()
        userCache.removeAll()
        userListCache.removeAll()
        friendshipCache.removeAll()
        codeCache.removeAll()
    }

    /// Runs `body` in the next shared transaction; returns once that has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await gate.run { try await writer.write(body) }
    }

    /// Runs `body` with a read-only connection.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await gate.run { try await database.read(body) }
    }

    /// Reads through `cache`: a hit (a row, or the knowledge that there is none) skips the database; what is read is
    /// kept unless a write invalidated the cache meanwhile.
    func cached<Value: Sendable>(
        _ cache: RowCache<Value?>,
        _ key: String,
        read: @escaping @Sendable (Database) throws -> Value?
    ) async throws -> Value? {
        try await gate.run {
            if let hit = cache[key] { return hit }
            let generation = cache.generation
            let value = try await database.read(read)
            cache.store(value, for: key, ifGeneration: generation)
            return value
        }
    }
}
