import Foundation
import LineEmulator
import LineEmulatorPostgres
import LineEmulatorTesting
import Logging
import Testing

/// Starting on PostgreSQL: a bad URL or an unreachable database is a one-line error without the password, and
/// instances starting together migrate one schema once. Stopping: the request log's last entries are written.
@Suite("Starting and stopping the emulator on PostgreSQL")
struct PostgresStartupTests {
    /// Runs `linekit emulator --database url` and returns its exit status, standard error and how long it took.
    static func start(database url: String) throws -> (status: Int32, error: String, seconds: Double) {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "linekit")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["emulator", "--port", "0", "--database", url]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let started = Date()
        try process.run()
        let watchdog = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, text, Date().timeIntervalSince(started))
    }

    @Test(
        "a malformed URL or an unreachable database: one line on stderr, exit 1 within 10 s, no password",
        arguments: [
            "postgres://linekit:hunter2@/linekit",  // no host
            "postgres://linekit:hunter2@127.0.0.1:99999/linekit",  // no such port
            "postgres://linekit:hunter2@127.0.0.1:5432/linekit?sslmode=sometimes",  // not a libpq sslmode
            "postgres://linekit:hunter2@127.0.0.1:1/linekit",  // nothing listens
        ]
    )
    func badDatabase(url: String) throws {
        let (status, error, seconds) = try Self.start(database: url)
        #expect(status == 1)
        #expect(seconds < 10)
        let lines = error.split(separator: "\n")
        #expect(lines.count == 1, "\(error)")
        #expect(error.hasPrefix("linekit emulator: "))
        #expect(!error.contains("hunter2"))
    }

    @Test(
        "a database that refuses the login or does not exist: the server's reason, exit 1, no password",
        .enabled(if: StoreBackend.postgresURL != nil, "LINEKIT_TEST_POSTGRES_URL is not set")
    )
    func refusedDatabase() throws {
        let server = try #require(StoreBackend.postgresURL)
        var components = try #require(URLComponents(string: server))
        components.password = "hunter2"
        components.path = "/no_such_database_\(UInt32.random(in: 0...UInt32.max))"
        let url = try #require(components.string)
        let (status, error, seconds) = try Self.start(database: url)
        #expect(status == 1)
        #expect(seconds < 10)
        #expect(error.split(separator: "\n").count == 1)
        #expect(error.contains("does not exist"), "\(error)")
        #expect(!error.contains("hunter2"))
    }

    @Test(
        "eight instances opening one fresh schema at the same moment all start, and each migration is applied once",
        .enabled(if: StoreBackend.postgresURL != nil, "LINEKIT_TEST_POSTGRES_URL is not set")
    )
    func concurrentMigrations() async throws {
        let schema = PostgresScratchSchema(url: try #require(StoreBackend.postgresURL))
        try await schema.dropAfter {
            let logger = Logger(label: "linekit.migration-test")
            let stores = try await withThrowingTaskGroup(of: (any EmulatorStore).self) { group in
                for _ in 0..<8 {
                    group.addTask { try await schema.storage().makeStore(logger: logger) }
                }
                return try await group.reduce(into: [any EmulatorStore]()) { $0.append($1) }
            }
            #expect(stores.count == 8)
            try await stores[0].seed(.default)
            #expect(try await stores[7].channels().count == Seed.default.channels.count)
            #expect(try await schema.appliedMigrations() == PostgresScratchSchema.knownMigrations)
        }
    }

    @Test(
        "a graceful stop writes the request log's last entries before it returns, not 200 ms later",
        .enabled(if: StoreBackend.postgresURL != nil, "LINEKIT_TEST_POSTGRES_URL is not set")
    )
    func requestLogWrittenOnStop() async throws {
        let schema = PostgresScratchSchema(url: try #require(StoreBackend.postgresURL))
        try await schema.dropAfter {
            let reader = try await schema.storage().makeStore(logger: Logger(label: "linekit.stop-test"))
            let log = try #require(reader as? any SharedOperationsStore)
            for trial in 0..<5 {
                let requestID = try await TestEmulator.run(storage: try schema.storage()) { emulator in
                    try #require(try await RawHTTP(emulator).get("/oauth2/v2.1/verify?access_token=trial-\(trial)").requestID)
                }
                // Read at once: the batch's own timer has not fired yet.
                let entries = try await log.requestLogEntries(method: nil, path: nil, status: nil, limit: 10)
                #expect(entries.contains { $0.requestID == requestID }, "trial \(trial)")
            }
            await reader.close()
        }
    }
}
