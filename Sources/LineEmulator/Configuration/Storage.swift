import Foundation
import Logging

extension Emulator.Configuration {
    /// Where the emulator keeps its state: an SQLite file (the default), memory, or, with the
    /// `LineEmulatorPostgres` product, a PostgreSQL database shared by several emulator instances
    /// (`.postgres(url:)`).
    ///
    /// ```swift
    /// Emulator.Configuration(storage: .sqlite(path: ".linekit/emulator.sqlite"))
    /// Emulator.Configuration(storage: .inMemory)
    /// Emulator.Configuration(storage: try .postgres(url: "postgres://linekit@db:5432/linekit"))  // LineEmulatorPostgres
    /// ```
    public struct Storage: Sendable, CustomStringConvertible {
        /// What the banner and logs show: a path, "in memory", or a database URL without its password.
        public let description: String
        private let open: @Sendable (Logger) async throws -> any EmulatorStore

        /// A storage backend that builds its store with `open` (how the `LineEmulatorPostgres` product adds PostgreSQL).
        package init(description: String, open: @escaping @Sendable (Logger) async throws -> any EmulatorStore) {
            self.description = description
            self.open = open
        }

        /// An SQLite database file (WAL mode); created with its folder if missing. One emulator process owns it.
        public static func sqlite(path: String) -> Storage {
            Storage(description: path) { _ in try SQLiteStore(path: path) }
        }

        /// An in-memory SQLite database: gone when the process ends.
        public static var inMemory: Storage {
            Storage(description: "in memory") { _ in try SQLiteStore(path: nil) }
        }

        /// Opens the store (creating or migrating its schema).
        package func makeStore(logger: Logger) async throws -> any EmulatorStore {
            try await open(logger)
        }
    }
}
