import Foundation
import GRDB
import Synchronization

/// The emulator's own secrets, seeding and reset.
extension SQLiteStore {
    func secret(named name: String, make: @escaping @Sendable () -> Data) async throws -> Data {
        try await write { db in
            if let existing = try Data.fetchOne(try db.cachedStatement(sql: "SELECT value FROM secrets WHERE name = ?"), arguments: [name])
            {
                return existing
            }
            let value = make()
            try db.cachedStatement(sql: "INSERT INTO secrets (name, value) VALUES (?, ?)").execute(arguments: [name, value])
            return value
        }
    }

    func seed(_ seed: Seed) async throws {
        try await write { db in try Self.apply(seed, to: db) }
        userCache.remove(seed.users.map(\.userID))
        userListCache.removeAll()
        friendshipCache.removeAll()
    }

    /// One shared transaction empties every state table and applies the seed; the caches are emptied after it commits.
    func reset(to seed: Seed) async throws {
        try await write { db in
            for table in SQLiteSchema.stateTables {
                try db.execute(sql: "DELETE FROM \(table)")
            }
            try Self.apply(seed, to: db)
        }
        emptyCaches()
    }

    private static func apply(_ seed: Seed, to db: Database) throws {
        for channel in seed.channels { _ = try insert(channel, into: db) }
        for user in seed.users { _ = try insert(user, into: db) }
        for friendship in seed.friendships {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO friendships (user_id, channel_id) VALUES (?, ?)").execute(arguments: [
                friendship.userID, friendship.channelID,
            ])
        }
        try applyWebhookSeed(seed, to: db)
    }
}
