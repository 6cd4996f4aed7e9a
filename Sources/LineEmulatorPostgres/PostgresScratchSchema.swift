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
        try .postgres(url: url, schema: name)
    }

    /// Drops the schema and every table in it.
    package func drop() async throws {
        let client = PostgresClient(configuration: try PostgresURL(url).clientConfiguration())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query("DROP SCHEMA IF EXISTS \(unescaped: name) CASCADE")
        }
    }
}
