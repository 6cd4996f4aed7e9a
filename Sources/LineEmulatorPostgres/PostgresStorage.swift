import Foundation
import LineEmulator
import Logging

extension Emulator.Configuration.Storage {
    /// A PostgreSQL database that several emulator instances share: they behave as one LINE Platform.
    ///
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/dbname`, with libpq's `sslmode` (`prefer` when absent).
    ///   - schema: the schema to keep the emulator's tables in (created if missing); `nil` uses the database's default
    ///     search path. Lets several independent emulator platforms share one database.
    /// - Throws: ``PostgresStorageError`` when the URL is malformed. The database is first contacted when the
    ///   emulator starts.
    public static func postgres(url: String, schema: String? = nil) throws -> Self {
        try postgres(url: url, schema: schema, openTimeout: PostgresStore.openTimeout)
    }

    /// `postgres(url:schema:)`, giving up on opening after `openTimeout` (tests on a busy machine wait longer).
    package static func postgres(url: String, schema: String?, openTimeout: Duration) throws -> Self {
        let parsed: PostgresURL
        do {
            parsed = try PostgresURL(url)
        } catch {
            throw PostgresStorageError(description: error.description)
        }
        if let schema, !PostgresStore.isPlainIdentifier(schema) {
            throw PostgresStorageError(description: "the schema name must be lowercase letters, digits and underscores")
        }
        let description = parsed.description + (schema.map { " (schema \($0))" } ?? "")
        return Self(description: description) { logger in
            try await PostgresStore.open(url: parsed, schema: schema, timeout: openTimeout, logger: logger)
        }
    }

    /// Whether `text` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than an SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }
}

/// Why the PostgreSQL store could not be used: a one-line message that never contains the password.
public struct PostgresStorageError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
