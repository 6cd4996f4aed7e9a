import Foundation
import LineEmulatorTesting
import LineMessaging
import LineMessagingPostgres
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server `scripts/test` starts (`LINEKIT_TEST_POSTGRES_URL`). Each test works in a schema of its own,
/// created and dropped around it.
enum PostgresFixture {
    static let url = ProcessInfo.processInfo.environment["LINEKIT_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// Run when a server is given, and always on CI (where a missing server then fails the test loudly).
    static let enabled = url != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    static let notRunReason: Comment =
        "not run: LINEKIT_TEST_POSTGRES_URL is not set (scripts/test sets it; locally: scripts/postgres-test-server run swift test)"

    /// Runs `body` with a fresh schema and `clients` running `PostgresClient`s, each its own pool; drops the schema.
    static func withSchema<Result: Sendable>(
        clients count: Int,
        _ body: @Sendable (_ schema: String, _ clients: [PostgresClient]) async throws -> Result
    ) async throws -> Result {
        let url = try #require(url, "LINEKIT_TEST_POSTGRES_URL is not set: CI must provision PostgreSQL (scripts/test)")
        let configuration = try PostgresChannelTokenStore.clientConfiguration(url: url)
        let schema = "fleet_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let clients = (0...count).map { _ in PostgresClient(configuration: configuration) }
        let admin = clients[count]
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { await client.run() } }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            do {
                let result = try await body(schema, Array(clients[0..<count]))
                try await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
                return result
            } catch {
                _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
                throw error
            }
        }
    }

    /// A prepared store per client.
    static func stores(_ clients: [PostgresClient], schema: String) async throws -> [PostgresChannelTokenStore] {
        let stores = clients.map { PostgresChannelTokenStore(client: $0, schema: schema) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.prepare() } }
            try await group.waitForAll()
        }
        return stores
    }

    /// An emulator, a fresh schema, and a fleet of `providers` instances, each on its own `PostgresClient`.
    static func withFleet(
        providers count: Int,
        sealer: ChannelTokenSealer,
        _ body: @Sendable (_ harness: Harness, _ fleet: Fleet, _ stores: [PostgresChannelTokenStore]) async throws -> Void
    ) async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            try await withSchema(clients: count) { schema, clients in
                let stores = try await stores(clients, schema: schema)
                try await body(harness, Fleet(harness, stores: stores, sealer: sealer), stores)
            }
        }
    }
}
