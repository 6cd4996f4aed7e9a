import Foundation
import LineEmulator
import Logging
import PostgresNIO

/// The shared store: one PostgreSQL database that any number of emulator instances use at once.
///
/// Every method keeps the atomicity its ``EmulatorStore`` requirement promises with row-level means only (a
/// `SELECT … FOR UPDATE` of the channel row, `INSERT … ON CONFLICT`, `UPDATE … WHERE … RETURNING`), so the same SQL
/// runs on PostgreSQL-wire distributed databases. Another instance may have revoked, used or reset any row since this
/// one read it, so reads go to the database; the one exception is channel and user rows, which change rarely and are
/// cached with the operations version they were read at (``PostgresRowCache``: exactly as fresh as a read at the
/// start of the request).
///
/// The methods are grouped by LINE area in the `PostgresStore+…` files; the schema is in ``PostgresSchema``.
final class PostgresStore: EmulatorStore {
    let client: PostgresClient
    let logger: Logger
    /// Runs the connection pool for as long as the store lives.
    private let runner: Task<Void, Never>
    let channelCache = PostgresRowCache<Channel>()
    let userCache = PostgresRowCache<User>()
    /// The list of every user, under the key "".
    let userListCache = PostgresRowCache<[User]>()
    /// Answers an operation at ``operationTimeout`` when the database does not.
    let watchdog: OperationWatchdog
    /// This instance's issuers of capped channel tokens, queued per channel in front of the channel's row lock.
    let channelIssuers = KeyedAsyncLock()
    /// The clock offset and operations version, read once for all the requests asking at the same moment.
    let operationsStateRead: CoalescedRead<SharedOperationsState>

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
        let watchdog = OperationWatchdog()
        self.watchdog = watchdog
        operationsStateRead = CoalescedRead {
            try await watchdog.run(limit: Self.operationTimeout) {
                try await Self.readOperationsState(client: client, logger: logger)
            }
        }
    }

    deinit { runner.cancel() }

    /// Stops the connection pool and returns once its connections are closed.
    func close() async {
        runner.cancel()
        await runner.value
    }

    /// The pool's size: a few connections per core of this machine. Statements are short, and a request waiting for a
    /// connection in the pool costs less than one more server process competing for the cores (measured on two
    /// cores: 16 connections made logins about 10% slower than 6). Capped token issuers queue in process first
    /// (``channelIssuers``), so at most one connection per channel waits on a row lock.
    static let maximumConnections = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount + 2)

    /// How long opening may take before the emulator gives up with a clear error (the CLI promises an answer in 10 s).
    static let openTimeout: Duration = .seconds(8)

    /// Connects, creates the schema if asked, and applies the migrations this build knows.
    static func open(url: PostgresURL, schema: String?, timeout: Duration, logger: Logger) async throws -> PostgresStore {
        var configuration = url.clientConfiguration()
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = Self.maximumConnections
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        let store = PostgresStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger)
        do {
            try await store.watchdog.run(limit: timeout) {
                try await probe(url, logger: logger)
                if let schema { try await store.createSchemaIfMissing(schema) }
                try await PostgresSchema.migrate(store)
            }
        } catch {
            throw PostgresStorageError(description: "cannot use the PostgreSQL database \(url): \(reason(error))")
        }
        return store
    }

    /// Opens and closes one connection: the pool retries failed connections quietly, this fails with the reason.
    private static func probe(_ url: PostgresURL, logger: Logger) async throws {
        var configuration = try url.connectionConfiguration()
        configuration.options.connectTimeout = .seconds(5)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try await connection.close()
    }

    /// Whether `name` can be written into SQL as an identifier without quoting.
    static func isPlainIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.first.map { !$0.isNumber } == true
            && name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
    }

    private func createSchemaIfMissing(_ schema: String) async throws {
        do {
            try await execute("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)")
        } catch let error as PSQLError where Self.lostCreationRace(error) {
            // A peer created it at the same moment (CREATE … IF NOT EXISTS can race on the catalog's unique index).
        }
    }

    /// Whether `error` is a `CREATE … IF NOT EXISTS` that lost to a peer creating the same object at the same moment
    /// (the check and the catalog insert are not atomic): a unique violation, or the object (or its row type) exists.
    static func lostCreationRace(_ error: PSQLError) -> Bool {
        ["23505", "42P06", "42P07", "42710"].contains(error.serverInfo?[.sqlState])
    }

    // MARK: Queries

    /// How long one store operation (waiting for a connection included) may take: with the database gone, the pool
    /// would wait for a connection for ever; past this the request fails with LINE's 500 instead of hanging.
    static let operationTimeout: Duration = .seconds(30)

    /// Runs `query` outside any transaction and returns every row.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await statementRows { [client, logger] in
            try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
        }
    }

    /// Runs one statement outside any transaction (`body`), within ``operationTimeout``, and returns its rows.
    ///
    /// PostgreSQL text cannot hold a NUL character, which SQLite's can: a value with one (only hostile input has it)
    /// matches no row, so such a statement returns none instead of failing.
    func statementRows(
        _ body: @escaping @Sendable () async throws -> [PostgresRandomAccessRow]
    ) async throws -> [PostgresRandomAccessRow] {
        do {
            return try await watchdog.run(limit: Self.operationTimeout, body)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "22021" {
            return []
        }
    }

    func execute(_ query: PostgresQuery) async throws {
        try await rows(query)
    }

    /// Runs `body` in one transaction (READ COMMITTED), committed before this returns, rolled back if it throws.
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> Result) async throws -> Result {
        try await watchdog.run(limit: Self.operationTimeout) { [client, logger] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await body(Transaction(connection: connection, logger: logger))
                }
            }
        }
    }

    /// A connection inside an open transaction.
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger

        @discardableResult
        func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
            try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
        }

        func execute(_ query: PostgresQuery) async throws {
            try await rows(query)
        }
    }
}

/// A short reason for a failure to reach or use the database: the server's message, or the kind of connection
/// failure. PostgresNIO's own descriptions are deliberately vague, and the URL's password must never appear.
func reason(_ error: any Error) -> String {
    if let error = error as? PSQLError {
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return String(describing: underlying) }
        return String(describing: error.code)
    }
    if let error = error as? TimeoutError { return "no answer within \(error.limit)" }
    return String(describing: error)
}
