import Foundation
import LineEmulator
import Logging
import PostgresNIO

/// Fault rules, rate limits and the request log, shared by every instance on the database.
extension PostgresStore {
    var sharedOperations: (any SharedOperationsStore)? { self }
}

extension PostgresStore: SharedOperationsStore {
    /// Read before every request on every instance: by a prepared statement (parsed and planned once per connection)
    /// that the requests asking at the same moment share (``CoalescedRead``), each answered by a statement that began
    /// after it asked.
    func operationsState() async throws -> SharedOperationsState {
        try await operationsStateRead.value()
    }

    /// The statement behind ``operationsState()``.
    static func readOperationsState(client: PostgresClient, logger: Logger) async throws -> SharedOperationsState {
        var state = SharedOperationsState(clockOffset: 0, version: 0)
        for try await (offset, version) in try await client.execute(ReadOperationsState(), logger: logger) {
            state = SharedOperationsState(clockOffset: offset, version: version)
        }
        return state
    }

    /// One transaction, so the rules, the rates and the version belong together even while another instance writes.
    func operationsSnapshot() async throws -> SharedOperationsSnapshot {
        try await transaction { transaction in
            // REPEATABLE READ: the three reads below see one snapshot.
            try await transaction.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let version =
                try await transaction.rows("SELECT operations_version FROM platform_clock WHERE id = 1").first?
                .value("operations_version", as: Int64.self) ?? 0
            let rules = try await transaction.rows("SELECT rule, remaining FROM fault_rules ORDER BY position").map { row in
                var rule = try JSONDecoder().decode(FaultInjector.Rule.self, from: Data(try row.value("rule", as: String.self).utf8))
                rule.count = try row.value("remaining", as: Int?.self)
                return rule
            }
            var rates: [RateLimiter.Endpoint: Double?] = [:]
            for row in try await transaction.rows("SELECT endpoint, rate FROM rate_limits") {
                guard let endpoint = RateLimiter.Endpoint(rawValue: try row.value("endpoint")) else { continue }
                rates[endpoint] = .some(try row.value("rate", as: Double?.self))
            }
            return SharedOperationsSnapshot(version: version, faultRules: rules, rateLimits: rates)
        }
    }

    func insertFaultRule(_ rule: FaultInjector.Rule) async throws -> Bool {
        let json = String(decoding: try JSONEncoder().encode(rule), as: UTF8.self)
        return try await transaction { transaction in
            let inserted = try await transaction.rows(
                """
                INSERT INTO fault_rules (id, rule, remaining) VALUES (\(rule.id), \(json), \(rule.count))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """
            )
            guard !inserted.isEmpty else { return false }
            try await transaction.execute(Self.bumpOperationsVersion)
            return true
        }
    }

    func deleteFaultRule(id: String) async throws -> Bool {
        try await transaction { transaction in
            guard !(try await transaction.rows("DELETE FROM fault_rules WHERE id = \(id) RETURNING id")).isEmpty else { return false }
            try await transaction.execute(Self.bumpOperationsVersion)
            return true
        }
    }

    func deleteFaultRules() async throws {
        try await transaction { transaction in
            try await transaction.execute("DELETE FROM fault_rules")
            try await transaction.execute(Self.bumpOperationsVersion)
        }
    }

    /// `UPDATE … WHERE remaining > 0 RETURNING`: the row lock orders concurrent uses, so exactly `count` succeed.
    func consumeFaultRule(id: String) async throws -> Bool {
        try await transaction { transaction in
            guard
                let row = try await transaction.rows(
                    "UPDATE fault_rules SET remaining = remaining - 1 WHERE id = \(id) AND remaining > 0 RETURNING remaining"
                ).first
            else { return false }
            if try row.value("remaining", as: Int.self) == 0 {
                try await transaction.execute("DELETE FROM fault_rules WHERE id = \(id)")
            }
            try await transaction.execute(Self.bumpOperationsVersion)
            return true
        }
    }

    func setRateLimit(_ rate: Double?, for endpoint: RateLimiter.Endpoint) async throws {
        try await transaction { transaction in
            try await transaction.execute(
                """
                INSERT INTO rate_limits (endpoint, rate) VALUES (\(endpoint.rawValue), \(rate))
                ON CONFLICT (endpoint) DO UPDATE SET rate = EXCLUDED.rate
                """
            )
            try await transaction.execute("DELETE FROM rate_limit_buckets WHERE endpoint = \(endpoint.rawValue)")
            try await transaction.execute(Self.bumpOperationsVersion)
        }
    }

    /// One `UPDATE … RETURNING` on the bucket's row (in `SET`, every expression sees the row as it was, so the refill,
    /// the grant and the remainder are computed from one state), by the database's clock, so instances on machines
    /// whose clocks differ still share one bucket. A missing row is created full first.
    func leaseRateLimitTokens(
        _ endpoint: RateLimiter.Endpoint,
        channelID: String,
        rate: Double,
        capacity: Double,
        maximum: Int
    ) async throws -> RateLimitLease {
        let lease: PostgresQuery = """
            UPDATE rate_limit_buckets SET
                granted = LEAST(\(maximum), FLOOR(LEAST(\(capacity),
                    tokens + GREATEST(0, EXTRACT(EPOCH FROM statement_timestamp())::float8 - updated_at) * \(rate)))),
                tokens = LEAST(\(capacity), tokens + GREATEST(0, EXTRACT(EPOCH FROM statement_timestamp())::float8 - updated_at) * \(rate))
                    - LEAST(\(maximum), FLOOR(LEAST(\(capacity),
                        tokens + GREATEST(0, EXTRACT(EPOCH FROM statement_timestamp())::float8 - updated_at) * \(rate)))),
                updated_at = GREATEST(updated_at, EXTRACT(EPOCH FROM statement_timestamp())::float8)
            WHERE endpoint = \(endpoint.rawValue) AND channel_id = \(channelID)
            RETURNING granted, tokens
            """
        for _ in 0..<2 {
            if let row = try await rows(lease).first {
                return RateLimitLease(granted: try row.value("granted"), tokensLeft: try row.value("tokens"))
            }
            try await execute(
                """
                INSERT INTO rate_limit_buckets (endpoint, channel_id, tokens, updated_at, granted)
                VALUES (\(endpoint.rawValue), \(channelID), \(capacity), EXTRACT(EPOCH FROM statement_timestamp())::float8, 0)
                ON CONFLICT (endpoint, channel_id) DO NOTHING
                """
            )
        }
        throw PostgresStorageError(description: "the rate-limit bucket \(endpoint.rawValue) vanished right after it was made")
    }

    /// One `INSERT … SELECT FROM unnest(…)` for the batch, then the entries beyond `retaining` dropped, oldest first.
    func appendRequestLog(_ entries: [RequestLog.Entry], retaining: Int) async throws {
        guard !entries.isEmpty else { return }
        try await transaction { transaction in
            try await transaction.execute(
                """
                INSERT INTO request_log (request_id, time, method, path, status, duration_ms)
                SELECT * FROM unnest(\(entries.map(\.requestID))::text[], \(entries.map { $0.time.timeIntervalSince1970 })::float8[],
                    \(entries.map(\.method))::text[], \(entries.map(\.path))::text[], \(entries.map(\.status))::int[],
                    \(entries.map(\.durationMilliseconds))::float8[])
                """
            )
            try await transaction.execute(
                "DELETE FROM request_log WHERE seq <= (SELECT max(seq) FROM request_log) - \(retaining)"
            )
        }
    }

    func requestLogEntries(method: String?, path: String?, status: Int?, limit: Int) async throws -> [RequestLog.Entry] {
        try await rows(
            """
            SELECT request_id, time, method, path, status, duration_ms FROM request_log
            WHERE (\(method)::text IS NULL OR method = \(method)) AND (\(path)::text IS NULL OR strpos(path, \(path)) > 0)
                AND (\(status)::int IS NULL OR status = \(status))
            ORDER BY time DESC, seq DESC LIMIT \(limit)
            """
        ).map { row in
            RequestLog.Entry(
                requestID: try row.value("request_id"),
                time: try row.date("time"),
                method: try row.value("method"),
                path: try row.value("path"),
                status: try row.value("status"),
                durationMilliseconds: try row.value("duration_ms")
            )
        }
    }

    func clearRequestLog() async throws {
        try await execute("DELETE FROM request_log")
    }
}

/// The clock offset and the operations version: the one statement every request makes.
private struct ReadOperationsState: PostgresPreparedStatement {
    static let name = "linekit_operations_state"
    static let sql = "SELECT offset_seconds, operations_version FROM platform_clock WHERE id = 1"
    typealias Row = (Double, Int64)

    func makeBindings() -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
