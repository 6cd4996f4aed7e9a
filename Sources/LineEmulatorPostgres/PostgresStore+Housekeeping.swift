import Foundation
import LineEmulator
import PostgresNIO

/// The emulator's own secrets, seeding and reset.
extension PostgresStore {
    /// `INSERT … ON CONFLICT DO NOTHING`, then read back: when instances start together, each may make a candidate,
    /// but only the first one written is kept, and every instance returns that one.
    func secret(named name: String, make: @escaping @Sendable () -> Data) async throws -> Data {
        if let existing = try await rows("SELECT value FROM secrets WHERE name = \(name)").first {
            return try existing.value("value")
        }
        try await execute("INSERT INTO secrets (name, value) VALUES (\(name), \(make())) ON CONFLICT (name) DO NOTHING")
        guard let row = try await rows("SELECT value FROM secrets WHERE name = \(name)").first else {
            throw PostgresStorageError(description: "the secret \(name) vanished right after it was written")
        }
        return try row.value("value")
    }

    func seed(_ seed: Seed) async throws {
        try await transaction { transaction in
            // Channels and users change: a cached row must not outlive this (see ``PostgresRowCache``).
            try await transaction.execute(Self.bumpOperationsVersion)
            try await Self.apply(seed, in: transaction)
        }
    }

    /// One transaction: another instance sees the platform either before the reset or after it, never half-reset.
    /// A token being issued on another instance holds its channel's row, so the reset waits for it and then deletes
    /// that token too.
    func reset(to seed: Seed) async throws {
        try await transaction { transaction in
            // First, as every writer of channels and users takes it: no cached row outlives the reset.
            try await transaction.execute(Self.bumpOperationsVersion)
            for table in PostgresSchema.stateTables {
                try await transaction.execute("DELETE FROM \(unescaped: table)")
            }
            try await Self.apply(seed, in: transaction)
        }
    }

    static func apply(_ seed: Seed, in transaction: Transaction) async throws {
        for channel in seed.channels { try await transaction.execute(insertQuery(channel)) }
        for user in seed.users { try await transaction.execute(insertQuery(user)) }
        for friendship in seed.friendships {
            try await transaction.execute(insertFriendship(userID: friendship.userID, channelID: friendship.channelID))
        }
        try await applyWebhookSeed(seed, in: transaction)
    }

    // MARK: Platform-wide operational state

    func sharedClockOffset() async throws -> TimeInterval? {
        try await rows("SELECT offset_seconds FROM platform_clock WHERE id = 1").first?.value("offset_seconds", as: Double.self) ?? 0
    }

    /// One `UPDATE … RETURNING`: advances made on several instances at once add up.
    func changeSharedClockOffset(_ change: ClockChange) async throws -> TimeInterval {
        let row = try await rows(
            """
            UPDATE platform_clock SET offset_seconds = LEAST(
                CASE WHEN \(change.reset) THEN 0 ELSE offset_seconds END + \(change.advance), \(EmulatorClock.maximumOffset))
            WHERE id = 1 RETURNING offset_seconds
            """
        ).first
        return try row?.value("offset_seconds", as: Double.self) ?? 0
    }
}
