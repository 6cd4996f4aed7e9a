import PostgresNIO

/// A statement on a hot path (a login, a token, a verify, a push), prepared once per pooled connection: PostgreSQL
/// parses it once and soon plans it once, where parsing and planning an unnamed statement were about half of the
/// server's work per login. Its parameter types are declared, so a first call with a `NULL` does not fix a wrong one.
///
/// Rows come back as they do for every other statement of the store, to the same decoders.
protocol StoreStatement: PostgresPreparedStatement where Row == PostgresRandomAccessRow {}

extension StoreStatement {
    func decodeRow(_ row: PostgresRow) throws -> PostgresRandomAccessRow { row.makeRandomAccess() }
}

/// A statement whose one parameter, `$1`, is a row's text key: a row read, or locked, by its primary key.
protocol KeyedStoreStatement: StoreStatement {
    var key: String { get }
}

extension KeyedStoreStatement {
    static var bindingDataTypes: [PostgresDataType] { [.text] }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(key)
        return bindings
    }
}

extension PostgresStore {
    /// Runs `statement` outside any transaction and returns every row, as the form that takes a query does.
    @discardableResult
    func rows<Statement: StoreStatement>(_ statement: Statement) async throws -> [PostgresRandomAccessRow] {
        try await statementRows { [client, logger] in
            try await client.execute(statement, logger: logger).reduce(into: []) { $0.append($1) }
        }
    }
}

extension PostgresStore.Transaction {
    /// Runs `statement` in the transaction and returns every row.
    @discardableResult
    func rows<Statement: StoreStatement>(_ statement: Statement) async throws -> [PostgresRandomAccessRow] {
        try await connection.execute(statement, logger: logger).reduce(into: []) { $0.append($1) }
    }
}
