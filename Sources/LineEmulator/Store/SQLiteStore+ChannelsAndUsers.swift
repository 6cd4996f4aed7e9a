import Foundation
import GRDB
import Synchronization

/// Channels, users, consents and friendships.
extension SQLiteStore {
    func channels() async throws -> [Channel] {
        try await read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM channels ORDER BY position")).map(Self.channel(from:))
        }
    }

    func channel(id: String) async throws -> Channel? {
        if let cached = channelCache.withLock({ $0[id] }) { return cached }
        let channel = try await read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM channels WHERE id = ?"), arguments: [id]).map(Self.channel(from:))
        }
        if let channel { channelCache.withLock { $0[id] = channel } }
        return channel
    }

    func insertChannel(_ channel: Channel) async throws -> Bool {
        try await write { db in try Self.insert(channel, into: db) }
    }

    func users() async throws -> [User] {
        let users = try await cached(userListCache, Self.allUsers) { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM users ORDER BY position")).map(Self.user(from:))
        }
        return users ?? []
    }

    func user(id: String) async throws -> User? {
        try await cached(userCache, id) { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(Self.user(from:))
        }
    }

    func insertUser(_ user: User) async throws -> Bool {
        let inserted = try await write { db in try Self.insert(user, into: db) }
        userCache.remove([user.userID])
        userListCache.removeAll()
        return inserted
    }

    func updateUser(_ user: User) async throws -> Bool {
        let updated = try await write { db in
            try db.cachedStatement(sql: "UPDATE users SET display_name = ?, picture_url = ?, status_message = ?, email = ? WHERE id = ?")
                .execute(arguments: [user.displayName, user.pictureURL, user.statusMessage, user.email, user.userID])
            return db.changesCount > 0
        }
        userCache.remove([user.userID])
        userListCache.removeAll()
        return updated
    }

    // MARK: Consents and friendships

    func friendChannels(userID: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                try db.cachedStatement(sql: "SELECT channel_id FROM friendships WHERE user_id = ? ORDER BY channel_id"),
                arguments: [userID]
            )
        }
    }

    func consents(userID: String) async throws -> [Consent] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM consents WHERE user_id = ? ORDER BY granted_at"),
                arguments: [userID]
            )
            .map(Self.consent(from:))
        }
    }

    func consent(userID: String, channelID: String) async throws -> Consent? {
        try await read { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT * FROM consents WHERE user_id = ? AND channel_id = ?"),
                arguments: [userID, channelID]
            ).map(Self.consent(from:))
        }
    }

    func isFriend(userID: String, channelID: String) async throws -> Bool {
        let isFriend = try await cached(friendshipCache, Self.friendshipKey(userID, channelID)) { db in
            try Bool.fetchOne(
                try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND channel_id = ?)"),
                arguments: [userID, channelID]
            ) ?? false
        }
        return isFriend ?? false
    }

    func setFriend(userID: String, channelID: String, isFriend: Bool) async throws {
        try await write { db in
            if isFriend {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO friendships (user_id, channel_id) VALUES (?, ?)").execute(arguments: [
                    userID, channelID,
                ])
            } else {
                try db.cachedStatement(sql: "DELETE FROM friendships WHERE user_id = ? AND channel_id = ?").execute(arguments: [
                    userID, channelID,
                ])
            }
        }
        friendshipCache.remove([Self.friendshipKey(userID, channelID)])
    }

    // MARK: Statements shared with seeding

    static func insert(_ channel: Channel, into db: Database) throws -> Bool {
        let callbacks = String(decoding: try JSONEncoder().encode(channel.callbackURLs), as: UTF8.self)
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO channels (id, secret, name, kind, app_type, callback_urls, email_permission, bot_linked, position)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM channels))
                """
        ).execute(arguments: [
            channel.channelID, channel.channelSecret, channel.name, channel.kind.rawValue, channel.appType.rawValue,
            callbacks, channel.emailPermission, false,
        ])
        return db.changesCount > 0
    }

    static func insert(_ user: User, into db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO users (id, display_name, picture_url, status_message, email, position)
                VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM users))
                """
        ).execute(arguments: [user.userID, user.displayName, user.pictureURL, user.statusMessage, user.email])
        return db.changesCount > 0
    }
}
