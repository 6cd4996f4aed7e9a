import Foundation
import LineEmulator
import LineEmulatorPostgres
import Logging
import Testing

/// The store backends the store contract runs on: SQLite always, PostgreSQL when `LINEKIT_TEST_POSTGRES_URL` names a
/// server (`scripts/test` starts one). Under `CI=true` a missing server fails ``StoreContractTests`` instead.
enum StoreBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var postgresURL: String? { ProcessInfo.processInfo.environment["LINEKIT_TEST_POSTGRES_URL"] }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    static var available: [StoreBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// Runs `body` with two instances of one platform, seeded: on SQLite one store twice (one process owns the file);
    /// on PostgreSQL two stores with their own connection pools on one fresh schema, dropped afterwards.
    func withInstances<Result: Sendable>(
        seed: Seed = .default,
        _ body: ([any EmulatorStore]) async throws -> Result
    ) async throws -> Result {
        let logger = Logger.warningsOnly("linekit.store-contract")
        switch self {
        case .sqlite:
            let store = try await Emulator.Configuration.Storage.inMemory.makeStore(logger: logger)
            try await store.seed(seed)
            return try await body([store, store])
        case .postgres:
            let url = try #require(Self.postgresURL, "LINEKIT_TEST_POSTGRES_URL is not set")
            let schema = PostgresScratchSchema(url: url)
            return try await schema.dropAfter {
                let first = try await schema.storage().makeStore(logger: logger)
                let second = try await schema.storage().makeStore(logger: logger)
                try await first.seed(seed)
                return try await body([first, second])
            }
        }
    }

    /// Runs `body` with the storage of a database that outlives its stores: on SQLite a file in a folder of its own, on
    /// PostgreSQL a fresh schema; removed or dropped afterwards.
    func withDurableStorage<Result: Sendable>(
        _ body: (Emulator.Configuration.Storage) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite:
            return try await withTemporaryDatabase { path in try await body(.sqlite(path: path)) }
        case .postgres:
            let schema = PostgresScratchSchema(url: try #require(Self.postgresURL, "LINEKIT_TEST_POSTGRES_URL is not set"))
            return try await schema.dropAfter { try await body(try schema.storage()) }
        }
    }
}
