import Foundation
import LineEmulator
import Logging
import PostgresNIO

/// A schema of its own for one test or one throwaway platform on a shared database: made with a random name,
/// dropped with everything in it afterwards.
package struct PostgresScratchSchema: Sendable {
    package let url: String
    package let name: String

    package init(url: String, prefix: String = "linekit_test") {
        self.url = url
        name = prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The storage of an emulator whose tables live in this schema.
    package func storage() throws -> Emulator.Configuration.Storage {
        try .postgres(url: url, schema: name, openTimeout: .seconds(60))
    }

    /// The versions a fully migrated schema lists in `schema_migrations`, in order (0 is the lock row).
    package static var knownMigrations: [Int] { [0] + PostgresSchema.migrations.map(\.version) }

    /// The versions in the schema's `schema_migrations` table, in order (0 is the lock row).
    package func appliedMigrations() async throws -> [Int] {
        try await PostgresScratchDatabase.rows("SELECT version FROM \(unescaped: name).schema_migrations ORDER BY version", on: url)
            .map { try $0.decode(Int.self) }
    }

    /// Drops the schema and every table in it. A write still running in it (a webhook outcome being recorded, say) can
    /// make PostgreSQL choose the drop as a deadlock's victim; the drop is then tried again, up to 5 times. Throws
    /// ``PostgresStorageError`` with the server's own message (a test's failure should say why).
    package func drop() async throws {
        for attempt in 1... {
            do {
                return try await PostgresScratchDatabase.run("DROP SCHEMA IF EXISTS \(unescaped: name) CASCADE", on: url)
            } catch let error as PSQLError {
                let state = error.serverInfo?[.sqlState] ?? ""
                guard attempt < 5, Self.retryableStates.contains(state) else {
                    let message = error.serverInfo?[.message] ?? String(describing: error.code)
                    throw PostgresStorageError(description: "dropping schema \(name): \(message) (SQLSTATE \(state))")
                }
                try await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    /// Runs `body`, then drops the schema, also when `body` throws: then `body`'s error is the one thrown, and a failed
    /// drop is ignored.
    package func dropAfter<Result>(_ body: () async throws -> Result) async throws -> Result {
        let result: Result
        do {
            result = try await body()
        } catch {
            try? await drop()
            throw error
        }
        try await drop()
        return result
    }

    /// `deadlock_detected` and `lock_not_available`.
    private static let retryableStates: Set<String> = ["40P01", "55P03"]
}

/// A database of its own on a shared server, for tests that start whole emulator processes (which take a URL, not a
/// schema): created with a random name, dropped afterwards even if a process still holds connections.
package struct PostgresScratchDatabase: Sendable {
    /// The server's URL, whose database is used to create and drop this one.
    package let serverURL: String
    package let name: String
    /// The URL of this database, for `linekit emulator --database`.
    package let url: String

    /// Creates the database.
    package init(serverURL: String, prefix: String = "linekit_test") async throws {
        self.serverURL = serverURL
        let name = prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        self.name = name
        guard var components = URLComponents(string: serverURL) else { throw PostgresStorageError(description: "malformed URL") }
        components.path = "/" + name
        url = components.string ?? serverURL
        try await Self.run("CREATE DATABASE \(unescaped: name)", on: serverURL)
    }

    /// Drops the database, closing the connections still open to it.
    package func drop() async throws {
        try await Self.run("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", on: serverURL)
    }

    static func run(_ query: PostgresQuery, on url: String) async throws {
        _ = try await rows(query, on: url)
    }

    /// Runs `query` on a connection of its own, closed afterwards.
    static func rows(_ query: PostgresQuery, on url: String) async throws -> [PostgresRow] {
        let client = PostgresClient(configuration: try PostgresURL(url).clientConfiguration())
        return try await withThrowingTaskGroup(of: [PostgresRow].self) { group in
            group.addTask {
                await client.run()
                return []
            }
            defer { group.cancelAll() }
            return try await client.query(query).collect()
        }
    }
}
