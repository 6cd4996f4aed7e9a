import ArgumentParser
import Foundation
import Hummingbird
import LineEmulator
import LineEmulatorPostgres
import Logging

struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local LINE Platform: LINE Login's pages and APIs on one port, with an admin API.",
        discussion: """
            The emulator answers at LINE's paths (for example /oauth2/v2.1/authorize and /oauth2/v2.1/token), so an \
            app or an official LINE SDK only needs its host changed. State is kept in SQLite, so codes and tokens \
            survive a restart; POST /_emulator/v1/reset (with Content-Type: application/json, like every admin \
            request that changes state) returns to the seed. With a postgres:// URL as --database (or in \
            LINEKIT_DATABASE_URL), state is kept in PostgreSQL, and every emulator started on the same database \
            serves the same LINE Platform (see docs/SCALING.md).

            Examples:
              linekit emulator
              linekit emulator --port 9000 --config channels.yaml
              linekit emulator --in-memory
              linekit emulator --database postgres://linekit:secret@db.internal:5432/linekit
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8123

    @Option(help: "A JSON or YAML file declaring the channels and users to seed (replaces the built-in seed).")
    var config: String?

    @Option(
        help: """
            The SQLite database file, or a postgres://user:password@host:port/dbname URL (libpq's sslmode, default \
            prefer). Default: $LINEKIT_DATABASE_URL, else .linekit/emulator.sqlite.
            """
    )
    var database: String?

    @Flag(help: "Keep state in memory only (nothing is written to disk).")
    var inMemory = false

    @Option(help: "The iss claim of ID tokens.")
    var issuer = "https://access.line.me"

    @Option(
        help:
            "The base URL to advertise in the discovery document (default: the Host the client used if it is localhost, an IP address or --host, else the address it connected to). Its host is also accepted by the admin API and console."
    )
    var publicURL: String?

    @Flag(help: "Let clients that are not on loopback use the admin API under /_emulator/v1.")
    var allowRemoteAdmin = false

    @Option(help: "Connections open at once; more are answered 503 and closed.")
    var maxConnections = ConnectionLimits().maxConnections

    @Option(help: "Seconds a connection may wait for its next request (or the rest of a request's head) before it is closed.")
    var idleTimeout = 60.0

    @Option(help: "Seconds a client may take to send a request's body before the connection is closed.")
    var requestTimeout = 30.0

    @Option(help: "Seconds a webhook receiver has to answer before the delivery is recorded as timed out.")
    var webhookTimeout = 10.0

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "notice"

    func run() async throws {
        let started = ContinuousClock.now
        var logger = Logger(label: "linekit.emulator", factory: StandardErrorLogHandler.init)
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        logger.logLevel = level
        guard maxConnections > 0, idleTimeout > 0, idleTimeout.isFinite, requestTimeout > 0, requestTimeout.isFinite else {
            throw ValidationError("--max-connections, --idle-timeout and --request-timeout must be positive")
        }
        guard webhookTimeout > 0, webhookTimeout.isFinite else { throw ValidationError("--webhook-timeout must be positive") }
        var seed = Seed.default
        if let config {
            do {
                seed = try Seed.load(contentsOf: URL(fileURLWithPath: config))
            } catch {
                throw ValidationError(String(describing: error))
            }
        }
        let storage = try storage()
        let configuration = Emulator.Configuration(
            host: host,
            port: port,
            storage: storage,
            seed: seed,
            issuer: issuer,
            publicBaseURL: publicURL,
            allowRemoteAdmin: allowRemoteAdmin,
            connectionLimits: ConnectionLimits(
                maxConnections: maxConnections,
                idleTimeout: .milliseconds(Int64(min(idleTimeout, 86400) * 1000)),
                requestReadTimeout: .milliseconds(Int64(min(requestTimeout, 86400) * 1000))
            ),
            webhookTimeout: .milliseconds(Int64(min(webhookTimeout, 3600) * 1000)),
            logger: logger
        )
        let emulator: Emulator
        do {
            emulator = try await Emulator(configuration: configuration)
        } catch let error as PostgresStorageError {
            throw Self.fail(error.description)
        }
        let (channels, users) = try await emulator.snapshot()
        let host = self.host
        let app = emulator.application { port in
            let elapsed = ContinuousClock.now - started
            let banner = Banner.text(
                host: host,
                port: port,
                storage: storage.description,
                channels: channels,
                users: users,
                startup: elapsed
            )
            FileHandle.standardOutput.write(Data((banner + "\n").utf8))
        }
        try await app.runService()
    }

    /// `--in-memory`, else `--database`, else `LINEKIT_DATABASE_URL`, else the default SQLite file.
    private func storage() throws -> Emulator.Configuration.Storage {
        if inMemory { return .inMemory }
        let database = database ?? ProcessInfo.processInfo.environment["LINEKIT_DATABASE_URL"] ?? ".linekit/emulator.sqlite"
        guard Emulator.Configuration.Storage.isPostgresURL(database) else { return .sqlite(path: database) }
        do {
            return try .postgres(url: database)
        } catch let error as PostgresStorageError {
            throw Self.fail(error.description)
        }
    }

    /// Writes `message` as one line on standard error; the command then exits with status 1.
    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("linekit emulator: \(message)\n".utf8))
        return ExitCode(1)
    }
}
