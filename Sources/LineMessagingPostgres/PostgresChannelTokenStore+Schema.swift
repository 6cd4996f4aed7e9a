import Foundation
import PostgresNIO

extension PostgresChannelTokenStore {
    /// The store's migrations, in order, each applied once.
    static let migrations: [(version: Int, sql: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE {tokens} (
                    channel_id TEXT NOT NULL, kind TEXT NOT NULL, generation BIGINT NOT NULL DEFAULT 0,
                    sealed_token BYTEA, expires_at TIMESTAMPTZ, key_id TEXT, issued_by TEXT, issued_at TIMESTAMPTZ,
                    bad BOOLEAN NOT NULL DEFAULT FALSE,
                    lease_owner TEXT, lease_id TEXT, lease_expires_at TIMESTAMPTZ,
                    PRIMARY KEY (channel_id, kind))
                """
            ]
        )
    ]

    /// Creates or migrates the store's table. Safe when several processes start together: the version table is
    /// created tolerating a peer creating it at the same moment, then each process migrates inside one transaction
    /// that first takes that table's exclusive lock (`LOCK TABLE`, not an advisory lock), so peers wait, then find
    /// the versions applied and apply nothing. DDL is transactional: a migration is applied whole or not at all.
    ///
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot be reached or refuses the migration.
    public func prepare() async throws {
        let versions = qualified("linekit_channel_token_migrations")
        let tokens = table
        try await operation {
            for attempt in 1...5 {
                do {
                    try await client.query(
                        "CREATE TABLE IF NOT EXISTS \(unescaped: versions) (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                        logger: logger
                    )
                    break
                } catch let error as PSQLError where attempt < 5 && Self.isConcurrentCreation(error) {
                    continue  // a peer created it in the same instant; it exists now
                }
            }
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("LOCK TABLE \(unescaped: versions) IN SHARE ROW EXCLUSIVE MODE", logger: logger)
                var applied = 0
                for try await version in try await connection.query(
                    "SELECT COALESCE(MAX(version), 0) FROM \(unescaped: versions)",
                    logger: logger
                ).decode(Int.self) {
                    applied = version
                }
                for migration in Self.migrations where migration.version > applied {
                    for statement in migration.sql {
                        try await connection.query(
                            PostgresQuery(unsafeSQL: statement.replacingOccurrences(of: "{tokens}", with: tokens)),
                            logger: logger
                        )
                    }
                    try await connection.query("INSERT INTO \(unescaped: versions) (version) VALUES (\(migration.version))", logger: logger)
                }
            }
        }
    }

    /// The version the database is at (0 before `prepare()`).
    ///
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot be reached.
    public func schemaVersion() async throws -> Int {
        let versions = qualified("linekit_channel_token_migrations")
        return try await operation {
            var table: String?
            for try await name in try await client.query("SELECT to_regclass(\(versions))::text", logger: logger).decode(String?.self) {
                table = name
            }
            guard table != nil else { return 0 }
            for try await version in try await client.query("SELECT COALESCE(MAX(version), 0) FROM \(unescaped: versions)", logger: logger)
                .decode(Int.self)
            {
                return version
            }
            return 0
        }
    }

    private static func isConcurrentCreation(_ error: PSQLError) -> Bool {
        // CREATE TABLE IF NOT EXISTS racing a peer's: the loser trips over the catalog entries the winner just made.
        let racing: [PostgresError.Code] = [.uniqueViolation, .duplicateTable, .duplicateObject]
        return racing.contains { $0.raw == error.serverInfo?[.sqlState] }
    }
}
