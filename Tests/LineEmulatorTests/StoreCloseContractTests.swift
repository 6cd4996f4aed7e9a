import Foundation
import LineEmulator
import LineEmulatorTesting
import Logging
import Testing

/// ``EmulatorStore/close()``, checked with the same code on each backend: SQLite in memory and in a file, and
/// PostgreSQL when a server is named.
@Suite("Closing a store, on every backend")
struct StoreCloseContractTests {
    /// Where a store under test keeps its state.
    enum Storage: String, CaseIterable, CustomTestStringConvertible {
        case memory
        case sqliteFile
        case postgres

        static var available: [Storage] { StoreBackend.postgresURL == nil ? [.memory, .sqliteFile] : allCases }
        var testDescription: String { rawValue }
        /// Whether a second store opened on the same storage sees the first one's writes.
        var isDurable: Bool { self != .memory }

        func with<Result: Sendable>(_ body: (Emulator.Configuration.Storage) async throws -> Result) async throws -> Result {
            switch self {
            case .memory: try await body(.inMemory)
            case .sqliteFile: try await StoreBackend.sqlite.withDurableStorage(body)
            case .postgres: try await StoreBackend.postgres.withDurableStorage(body)
            }
        }
    }

    static let logger = Logger.warningsOnly("linekit.store-close")

    static func user(_ number: Int) -> User {
        User(userID: "U" + String(format: "%032x", 0xc10_0000 + number), displayName: "User \(number)")
    }

    @Test(
        "after close every read and write fails, a cached row included; a store opened on the database at once has what was written",
        arguments: Storage.available
    )
    func close(storage: Storage) async throws {
        try await storage.with { configuration in
            let kept = Self.user(0)
            let refused = Self.user(1)
            let store = try await configuration.makeStore(logger: Self.logger)
            try await store.seed(.default)
            #expect(try await store.insertUser(kept))
            #expect(try await store.user(id: kept.userID) == kept, "read once, so a store that caches users has it in memory")
            await store.close()

            await #expect(throws: (any Error).self) { _ = try await store.user(id: kept.userID) }
            await #expect(throws: (any Error).self) { _ = try await store.channels() }
            await #expect(throws: (any Error).self) { _ = try await store.insertUser(refused) }

            guard storage.isDurable else { return }
            // On SQLite this store would be refused while the closed one still held the file's lock.
            let reopened = try await configuration.makeStore(logger: Self.logger)
            #expect(try await reopened.user(id: kept.userID) == kept)
            #expect(try await reopened.user(id: refused.userID) == nil)
            #expect(try await reopened.channels().count == Seed.default.channels.count)
            await reopened.close()
        }
    }

    @Test(
        "an emulator's stop closes its store while the Emulator value lives on; the next emulator on the database starts at once",
        arguments: Storage.available
    )
    func closedAtStop(storage: Storage) async throws {
        try await storage.with { configuration in
            let first = try await Emulator(configuration: .quietLoopback(storage: configuration))
            let token = try await TestEmulator.serve(first) { emulator in
                #expect(try await first.snapshot().users.count == Seed.default.users.count)
                return try #require(try await Fixture.login(emulator)["access_token"] as? String)
            }
            // `first`, and with it its store, is still referenced: only the stop can have closed the store.
            await #expect(throws: (any Error).self) { _ = try await first.snapshot() }
            guard storage.isDurable else { return }
            // On SQLite the file's lock refuses this emulator while the first one's store holds it.
            let second = try await Emulator(configuration: .quietLoopback(storage: configuration))
            let status = try await TestEmulator.serve(second) { emulator in
                try await VerifyRevokeTests.verify(emulator, token).status
            }
            #expect(status == 200)
            withExtendedLifetime(first) {}
        }
    }

    @Test(
        "closed while 40 writes and 40 reads run, 10 times: each call succeeds or fails, none crashes or hangs; what succeeded is kept",
        arguments: Storage.available
    )
    func closeUnderLoad(storage: Storage) async throws {
        try await storage.with { configuration in
            for trial in 0..<10 {
                let store = try await configuration.makeStore(logger: Self.logger)
                try await store.seed(.default)
                let first = trial * 40
                let inserted = await withTaskGroup(of: Int?.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            _ = try? await store.users()
                            return (try? await store.insertUser(Self.user(first + index))) == true ? first + index : nil
                        }
                    }
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
                        await store.close()
                        return nil
                    }
                    return await group.reduce(into: Set<Int>()) { set, number in number.map { _ = set.insert($0) } }
                }
                await #expect(throws: (any Error).self, "trial \(trial)") { _ = try await store.users() }
                guard storage.isDurable else { continue }
                let reopened = try await configuration.makeStore(logger: Self.logger)
                let users = Set(try await reopened.users().map(\.userID))
                for number in inserted {
                    #expect(users.contains(Self.user(number).userID), "trial \(trial): user \(number) was acknowledged")
                }
                await reopened.close()
            }
        }
    }
}
