import Foundation
import Hummingbird
import LineEmulator
import LineEmulatorPostgres
import Logging
import ServiceLifecycle

/// An emulator running in-process on an ephemeral loopback port, for tests.
///
/// ```swift
/// try await TestEmulator.run { emulator in
///     let tokenURL = emulator.baseURL.appending(path: "oauth2/v2.1/token")
///     …
/// }
/// ```
public struct TestEmulator: Sendable {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public let baseURL: URL
    /// The loopback port the emulator bound (chosen by the system).
    public let port: Int
    /// The emulator's clock: advance it to expire codes and tokens.
    public let clock: EmulatorClock
    /// The seed the emulator was started with.
    public let seed: Seed

    /// Starts an emulator, runs `body` with it, and stops it (also when `body` throws).
    ///
    /// - Parameters:
    ///   - seed: the channels and users to start with.
    ///   - storage: by default (see ``defaultBackend``) in memory, or a fresh PostgreSQL schema (dropped afterwards) when
    ///     `LINEKIT_TEST_BACKEND=postgres` and `LINEKIT_TEST_POSTGRES_URL` are set; pass `.sqlite(path:)` to test
    ///     persistence.
    ///   - clock: the clock to use; by default a clock frozen at the current time, advanced only by the test.
    ///   - configure: last changes to the configuration.
    ///   - body: the test, given the running emulator.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; ``TestEmulatorError/didNotStart`` when the server stopped before binding its port,
    ///   ``TestEmulatorError/noPostgres`` when `LINEKIT_TEST_BACKEND=postgres` names no server, or the error that kept
    ///   the emulator from opening its store.
    public static func run<Result: Sendable>(
        seed: Seed = .default,
        storage: Emulator.Configuration.Storage? = nil,
        clock: EmulatorClock = EmulatorClock(fixed: Date()),
        configure: (inout Emulator.Configuration) -> Void = { _ in },
        _ body: (TestEmulator) async throws -> Result
    ) async throws -> Result {
        if let storage {
            return try await start(seed: seed, storage: storage, clock: clock, configure: configure, body)
        }
        guard let scratch = try defaultScratchSchema() else {
            return try await start(seed: seed, storage: .inMemory, clock: clock, configure: configure, body)
        }
        return try await scratch.dropAfter {
            try await start(seed: seed, storage: try scratch.storage(), clock: clock, configure: configure, body)
        }
    }

    /// Which backend ``run(seed:storage:clock:configure:_:)`` uses when given none: `LINEKIT_TEST_BACKEND`,
    /// `sqlite` (in memory, the default) or `postgres` (a schema of its own in `LINEKIT_TEST_POSTGRES_URL`).
    public static var defaultBackend: String {
        ProcessInfo.processInfo.environment["LINEKIT_TEST_BACKEND"] ?? "sqlite"
    }

    /// A fresh schema when the default backend is PostgreSQL; throws when it is but no server is named.
    private static func defaultScratchSchema() throws -> PostgresScratchSchema? {
        guard defaultBackend == "postgres" else { return nil }
        guard let url = ProcessInfo.processInfo.environment["LINEKIT_TEST_POSTGRES_URL"] else {
            throw TestEmulatorError.noPostgres
        }
        return PostgresScratchSchema(url: url)
    }

    private static func start<Result: Sendable>(
        seed: Seed,
        storage: Emulator.Configuration.Storage,
        clock: EmulatorClock,
        configure: (inout Emulator.Configuration) -> Void,
        _ body: (TestEmulator) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "linekit.test-emulator")
        logger.logLevel = .warning
        var configuration = Emulator.Configuration(host: "127.0.0.1", port: 0, storage: storage, seed: seed, clock: clock, logger: logger)
        configure(&configuration)
        return try await serve(try await Emulator(configuration: configuration), body)
    }

    /// Serves an emulator built by the test on the host and port of its configuration (give it `127.0.0.1` and port
    /// `0`), runs `body` with it, and stops it (also when `body` throws). The emulator's store is closed when this
    /// returns.
    ///
    /// - Throws: what `body` throws; the server's error when it cannot bind (a port in use, say), or
    ///   ``TestEmulatorError/didNotStart`` when it stopped before binding without one.
    public static func serve<Result: Sendable>(_ emulator: Emulator, _ body: (TestEmulator) async throws -> Result) async throws -> Result {
        let configuration = emulator.configuration
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = emulator.application { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: [application],
                gracefulShutdownSignals: [],
                cancellationSignals: [],
                logger: configuration.logger
            )
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A server that fails to bind never reports a port: end the stream so the wait below ends too.
                defer { portContinuation.finish() }
                try await serviceGroup.run()
            }
            var iterator = portStream.makeAsyncIterator()
            guard let port = await iterator.next() else {
                await serviceGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                throw TestEmulatorError.didNotStart
            }
            let running = TestEmulator(
                baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                port: port,
                clock: configuration.clock,
                seed: configuration.seed
            )
            do {
                let result = try await body(running)
                await serviceGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

/// Why a test emulator could not be used.
public enum TestEmulatorError: Error {
    /// The server stopped before it bound its port.
    case didNotStart
    /// The emulator answered the browser with something other than the login page or a redirect.
    case unexpectedPage(status: Int, body: String)
    /// `LINEKIT_TEST_BACKEND=postgres` without `LINEKIT_TEST_POSTGRES_URL` naming the server.
    case noPostgres
    /// Deliveries were still pending when the wait ended (the number of deliveries seen).
    case webhooksNotSettled(Int)
}
