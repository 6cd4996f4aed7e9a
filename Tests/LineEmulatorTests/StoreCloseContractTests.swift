import Foundation
import LineEmulator
import Logging
import Testing

/// ``EmulatorStore/close()``, checked with the same code on each backend.
@Suite("Closing a store, on every backend")
struct StoreCloseContractTests {
    static var logger: Logger {
        var logger = Logger(label: "linekit.store-close")
        logger.logLevel = .warning
        return logger
    }

    @Test(
        "after close every read and write fails, a cached row included; a store opened on the database at once has what was written",
        arguments: StoreBackend.available
    )
    func close(backend: StoreBackend) async throws {
        try await backend.withDurableStorage { storage in
            let kept = User(userID: "U00000000000000000000000000000c10", displayName: "Kept")
            let refused = User(userID: "U00000000000000000000000000000c11", displayName: "Refused")
            let store = try await storage.makeStore(logger: Self.logger)
            try await store.seed(.default)
            #expect(try await store.insertUser(kept))
            #expect(try await store.user(id: kept.userID) == kept, "read once, so a store that caches users has it in memory")
            await store.close()

            await #expect(throws: (any Error).self) { _ = try await store.user(id: kept.userID) }
            await #expect(throws: (any Error).self) { _ = try await store.channels() }
            await #expect(throws: (any Error).self) { _ = try await store.insertUser(refused) }

            // On SQLite this store would be refused while the closed one still held the file's lock.
            let reopened = try await storage.makeStore(logger: Self.logger)
            #expect(try await reopened.user(id: kept.userID) == kept)
            #expect(try await reopened.user(id: refused.userID) == nil)
            #expect(try await reopened.channels().count == Seed.default.channels.count)
            await reopened.close()
        }
    }
}
