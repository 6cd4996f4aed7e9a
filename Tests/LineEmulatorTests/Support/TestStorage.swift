import Foundation
import LineEmulator
import Logging

/// Runs `body` with the path of an SQLite database in a fresh folder of its own, removed afterwards.
func withTemporaryDatabase<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appending(path: "linekit-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.appending(path: "emulator.sqlite").path)
}

extension Logger {
    /// A logger that prints warnings and worse only, so a passing test stays quiet.
    static func warningsOnly(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}

extension Emulator.Configuration {
    /// An emulator on `storage` on an ephemeral loopback port, logging warnings only (what `TestEmulator.run` builds).
    static func quietLoopback(storage: Storage) -> Emulator.Configuration {
        Emulator.Configuration(host: "127.0.0.1", port: 0, storage: storage, logger: .warningsOnly("linekit.test-emulator"))
    }
}
