import Foundation
import LineEmulator
import PostgresNIO

/// Channels, users, consents and friendships.
extension PostgresStore {
    func channels() async throws -> [Channel] {
        try await rows("SELECT * FROM channels ORDER BY position").map { try $0.channel() }
    }

    /// From the row cache when the request may use it (see ``PostgresRowCache``); otherwise read with the version.
    func channel(id: String) async throws -> Channel? {
        try await cachedRow(channelCache, id: id, "SELECT \(unescaped: Self.versionColumn), * FROM channels WHERE id = \(id)") {
            try $0.channel()
        }
    }

    /// Inserts and bumps the operations version in one transaction, so no instance answers from a stale cache.
    func insertChannel(_ channel: Channel) async throws -> Bool {
        try await transaction { transaction in
            try await transaction.execute(Self.bumpOperationsVersion)
            return try await !transaction.rows(Self.insertQuery(channel)).isEmpty
        }
    }

    /// From the row cache when the request may use it (the authorization page lists every user on every login).
    func users() async throws -> [User] {
        if let cached = userListCache.row("") { return cached }
        let rows = try await rows("SELECT \(unescaped: Self.versionColumn), * FROM users ORDER BY position")
        let users = try rows.map { try $0.user() }
        // An empty table has no row to carry the version: not cached.
        if let version = try rows.first?.value("cache_version", as: Int64.self) { userListCache.keep(users, id: "", version: version) }
        return users
    }

    /// From the row cache when the request may use it (see ``PostgresRowCache``); otherwise read with the version.
    func user(id: String) async throws -> User? {
        try await cachedRow(userCache, id: id, "SELECT \(unescaped: Self.versionColumn), * FROM users WHERE id = \(id)") {
            try $0.user()
        }
    }

    /// The row `query` reads (with ``versionColumn``), from `cache` when the request may use it; kept there after.
    private func cachedRow<Row: Sendable>(
        _ cache: PostgresRowCache<Row>,
        id: String,
        _ query: PostgresQuery,
        decode: (PostgresRandomAccessRow) throws -> Row
    ) async throws -> Row? {
        if let cached = cache.row(id) { return cached }
        guard let row = try await rows(query).first else { return nil }
        let value = try decode(row)
        cache.keep(value, id: id, version: try row.value("cache_version"))
        return value
    }

    /// Inserts and bumps the operations version in one transaction, so no instance answers from a stale cache.
    func insertUser(_ user: User) async throws -> Bool {
        try await transaction { transaction in
            try await transaction.execute(Self.bumpOperationsVersion)
            return try await !transaction.rows(Self.insertQuery(user)).isEmpty
        }
    }

    /// Updates and bumps the operations version in one transaction, so no instance answers from a stale cache.
    func updateUser(_ user: User) async throws -> Bool {
        try await transaction { transaction in
            try await transaction.execute(Self.bumpOperationsVersion)
            let updated = try await transaction.rows(
                """
                UPDATE users SET display_name = \(user.displayName), picture_url = \(user.pictureURL),
                    status_message = \(user.statusMessage), email = \(user.email)
                WHERE id = \(user.userID) RETURNING id
                """
            )
            return !updated.isEmpty
        }
    }

    func consents(userID: String) async throws -> [Consent] {
        try await rows("SELECT * FROM consents WHERE user_id = \(userID) ORDER BY granted_at").map { try $0.consent() }
    }

    func consent(userID: String, channelID: String) async throws -> Consent? {
        try await rows("SELECT * FROM consents WHERE user_id = \(userID) AND channel_id = \(channelID)").first?.consent()
    }

    func isFriend(userID: String, channelID: String) async throws -> Bool {
        try await !rows(SelectFriendship(userID: userID, channelID: channelID)).isEmpty
    }

    func setFriend(userID: String, channelID: String, isFriend: Bool) async throws {
        if isFriend {
            try await execute(Self.insertFriendship(userID: userID, channelID: channelID))
        } else {
            try await execute("DELETE FROM friendships WHERE user_id = \(userID) AND channel_id = \(channelID)")
        }
    }

    func friendChannels(userID: String) async throws -> [String] {
        try await rows("SELECT channel_id FROM friendships WHERE user_id = \(userID) ORDER BY channel_id").map {
            try $0.value("channel_id")
        }
    }

    // MARK: Statements shared with seeding

    /// The operations version as a column of the same statement (one snapshot), for ``PostgresRowCache``.
    static let versionColumn = "(SELECT operations_version FROM platform_clock WHERE id = 1) AS cache_version"

    /// Run first in the transaction of every change to a channel or a user row (and of every seed and reset), so that
    /// a row cached before it is never used by a request that begins after it commits. First, so that every such
    /// writer locks `platform_clock` before any channel or user row (one lock order, no deadlock).
    static let bumpOperationsVersion: PostgresQuery =
        "UPDATE platform_clock SET operations_version = operations_version + 1 WHERE id = 1"

    /// Inserts the channel unless its ID is taken; returns a row only when inserted.
    static func insertQuery(_ channel: Channel) -> PostgresQuery {
        let callbacks = String(decoding: (try? JSONEncoder().encode(channel.callbackURLs)) ?? Data("[]".utf8), as: UTF8.self)
        return """
            INSERT INTO channels (id, secret, name, kind, app_type, callback_urls, email_permission, bot_linked)
            VALUES (\(channel.channelID), \(channel.channelSecret), \(channel.name), \(channel.kind.rawValue),
                \(channel.appType.rawValue), \(callbacks), \(channel.emailPermission), false)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
    }

    /// Inserts the user unless the ID is taken; returns a row only when inserted.
    static func insertQuery(_ user: User) -> PostgresQuery {
        """
        INSERT INTO users (id, display_name, picture_url, status_message, email)
        VALUES (\(user.userID), \(user.displayName), \(user.pictureURL), \(user.statusMessage), \(user.email))
        ON CONFLICT (id) DO NOTHING RETURNING id
        """
    }

    static func insertFriendship(userID: String, channelID: String) -> PostgresQuery {
        "INSERT INTO friendships (user_id, channel_id) VALUES (\(userID), \(channelID)) ON CONFLICT DO NOTHING"
    }
}

/// The friendship's row (a push checks it).
private struct SelectFriendship: StoreStatement {
    static let sql = "SELECT 1 FROM friendships WHERE user_id = $1 AND channel_id = $2"
    static let bindingDataTypes: [PostgresDataType] = [.text, .text]
    var userID: String
    var channelID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(userID)
        bindings.append(channelID)
        return bindings
    }
}
