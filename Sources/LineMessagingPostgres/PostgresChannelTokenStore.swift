import Foundation
import LineMessaging
import Logging
import PostgresNIO

/// A `ChannelTokenStore` in PostgreSQL, shared by every instance of a fleet through a `PostgresClient` the app owns
/// (and runs). Coordination is row-level only: each slot is one row, claimed under `SELECT … FOR UPDATE`, published
/// and marked bad with conditional `UPDATE … RETURNING`; no advisory locks. Tokens are stored sealed.
///
/// ```swift
/// let postgres = PostgresClient(configuration: …)                  // run it in your ServiceGroup
/// let store = PostgresChannelTokenStore(client: postgres)
/// try await store.prepare()                                        // creates or migrates its table; safe in parallel
/// let provider = ChannelTokenProvider(channelID: id, credential: .secret(secret), client: tokens,
///                                     store: store, sealer: ChannelTokenSealer(key: sealingKey))
/// ```
public struct PostgresChannelTokenStore: ChannelTokenStore {
    /// The client the store runs its queries on; run it in the app's `ServiceGroup`.
    public let client: PostgresClient
    /// The PostgreSQL schema of the tables (`public` when `nil`).
    public let schema: String?
    /// How long one operation may take before it fails with `MessagingError.Code.storeUnavailable`.
    public let operationTimeout: Duration
    let logger: Logger

    /// - Parameters:
    ///   - client: the client to run queries on; the app runs it (in its `ServiceGroup`).
    ///   - schema: the schema of the tables, which must exist (`public` by default).
    ///   - operationTimeout: how long one operation may take before it fails as unavailable. Default 10 seconds.
    ///   - logger: where the store logs; by default a logger labelled `linekit.channel-token-store`.
    public init(client: PostgresClient, schema: String? = nil, operationTimeout: Duration = .seconds(10), logger: Logger? = nil) {
        self.client = client
        self.schema = schema
        self.operationTimeout = operationTimeout
        self.logger = logger ?? Logger(label: "linekit.channel-token-store")
    }

    var table: String { qualified("linekit_channel_tokens") }

    func qualified(_ name: String) -> String {
        guard let schema else { return "\"\(name)\"" }
        return "\"\(schema.replacingOccurrences(of: "\"", with: "\"\""))\".\"\(name)\""
    }

    private static let columns =
        "channel_id, kind, generation, sealed_token, expires_at, key_id, issued_by, issued_at, bad, lease_owner, lease_id, lease_expires_at"

    // MARK: ChannelTokenStore

    /// The token published for `slot`, bad or not, or `nil` (see `ChannelTokenStore.sharedToken(for:)`).
    ///
    /// - Parameter slot: the channel and kind.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time.
    public func sharedToken(for slot: ChannelTokenSlot) async throws -> SharedChannelToken? {
        try await operation {
            try await rows(
                client.query(
                    "SELECT \(unescaped: Self.columns) FROM \(unescaped: table) WHERE channel_id = \(slot.channelID) AND kind = \(slot.kind.rawValue)",
                    logger: logger
                )
            ).first?.token
        }
    }

    /// Claims the right to issue the next token of `slot` under a row lock (see `ChannelTokenStore.claimIssue`).
    ///
    /// - Parameters:
    ///   - slot: the channel and kind.
    ///   - owner: the claimant's `ownerID`.
    ///   - now: the claimant's time.
    ///   - leaseUntil: when a granted lease lapses.
    ///   - staleBefore: a published token expiring before this is not fresh.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time.
    public func claimIssue(
        for slot: ChannelTokenSlot,
        owner: String,
        now: Date,
        leaseUntil: Date,
        staleBefore: Date
    ) async throws -> ChannelTokenClaim {
        try await operation {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "INSERT INTO \(unescaped: table) (channel_id, kind) VALUES (\(slot.channelID), \(slot.kind.rawValue)) ON CONFLICT DO NOTHING",
                    logger: logger
                )
                let locked = try await rows(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.columns) FROM \(unescaped: table)
                        WHERE channel_id = \(slot.channelID) AND kind = \(slot.kind.rawValue) FOR UPDATE
                        """,
                        logger: logger
                    )
                )
                let state = locked.first ?? ChannelTokenSlotState(slot: slot, token: nil, lease: nil)
                let (claim, _) = state.claim(owner: owner, now: now, leaseUntil: leaseUntil, staleBefore: staleBefore)
                if case .granted(let lease, _) = claim {
                    try await connection.query(
                        """
                        UPDATE \(unescaped: table) SET lease_owner = \(lease.owner), lease_id = \(lease.leaseID),
                            lease_expires_at = \(lease.expiresAt)
                        WHERE channel_id = \(slot.channelID) AND kind = \(slot.kind.rawValue)
                        """,
                        logger: logger
                    )
                }
                return claim
            }
        }
    }

    /// Publishes the token issued under `lease`; `nil` when the lease was lost (see `ChannelTokenStore.publish`).
    ///
    /// - Parameters:
    ///   - token: the token sealed for the store.
    ///   - lease: the lease it was issued under.
    ///   - now: the publisher's time.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time (the update may have
    ///   committed all the same).
    public func publish(_ token: SealedChannelToken, under lease: ChannelTokenLease, now: Date) async throws -> SharedChannelToken? {
        try await operation {
            try await rows(
                client.query(
                    """
                    UPDATE \(unescaped: table) SET sealed_token = \(token.sealedToken), expires_at = \(token.expiresAt),
                        key_id = \(token.keyID), issued_by = \(lease.owner), issued_at = \(now), bad = FALSE,
                        generation = generation + 1, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
                    WHERE channel_id = \(lease.slot.channelID) AND kind = \(lease.slot.kind.rawValue) AND lease_id = \(lease.leaseID)
                    RETURNING \(unescaped: Self.columns)
                    """,
                    logger: logger
                )
            ).first?.token
        }
    }

    /// Ends `lease` without publishing (see `ChannelTokenStore.releaseClaim`).
    ///
    /// - Parameter lease: the lease to end; a later lease is untouched.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time.
    public func releaseClaim(_ lease: ChannelTokenLease) async throws {
        try await operation {
            _ = try await client.query(
                """
                UPDATE \(unescaped: table) SET lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
                WHERE channel_id = \(lease.slot.channelID) AND kind = \(lease.slot.kind.rawValue) AND lease_id = \(lease.leaseID)
                """,
                logger: logger
            )
        }
    }

    /// Marks the token of `generation` bad; `true` for the one caller that did (see `ChannelTokenStore.markBad`).
    ///
    /// - Parameters:
    ///   - slot: the channel and kind.
    ///   - generation: the generation LINE refused.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time.
    public func markBad(_ slot: ChannelTokenSlot, generation: Int64) async throws -> Bool {
        try await operation {
            let marked = try await client.query(
                """
                UPDATE \(unescaped: table) SET bad = TRUE
                WHERE channel_id = \(slot.channelID) AND kind = \(slot.kind.rawValue) AND generation = \(generation)
                    AND sealed_token IS NOT NULL AND NOT bad
                RETURNING generation
                """,
                logger: logger
            )
            var count = 0
            for try await _ in marked { count += 1 }
            return count == 1
        }
    }

    /// Removes the slot's token and lease, returning the token (see `ChannelTokenStore.removeSharedToken`).
    ///
    /// - Parameter slot: the channel and kind.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time.
    public func removeSharedToken(for slot: ChannelTokenSlot) async throws -> SharedChannelToken? {
        try await operation {
            try await client.withTransaction(logger: logger) { connection in
                let removed = try await rows(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.columns) FROM \(unescaped: table)
                        WHERE channel_id = \(slot.channelID) AND kind = \(slot.kind.rawValue) FOR UPDATE
                        """,
                        logger: logger
                    )
                ).first?.token
                // The row stays, with its generation: a later token never reuses the number of a removed one.
                try await connection.query(
                    """
                    UPDATE \(unescaped: table) SET sealed_token = NULL, expires_at = NULL, key_id = NULL, issued_by = NULL,
                        issued_at = NULL, bad = FALSE, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
                    WHERE channel_id = \(slot.channelID) AND kind = \(slot.kind.rawValue)
                    """,
                    logger: logger
                )
                return removed
            }
        }
    }

    /// Every slot with a token or a lease, ordered by channel and kind.
    ///
    /// - Parameter channelID: one channel, or `nil` for all.
    /// - Throws: `MessagingError.Code.storeUnavailable` when the database cannot answer in time.
    public func slots(channelID: String?) async throws -> [ChannelTokenSlotState] {
        try await operation {
            try await rows(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM \(unescaped: table)
                    WHERE (sealed_token IS NOT NULL OR lease_id IS NOT NULL) AND (\(channelID)::text IS NULL OR channel_id = \(channelID))
                    ORDER BY channel_id, kind
                    """,
                    logger: logger
                )
            )
        }
    }

    // MARK: Rows and errors

    private func rows(_ sequence: PostgresRowSequence) async throws -> [ChannelTokenSlotState] {
        var states: [ChannelTokenSlotState] = []
        let decoded = sequence.decode(
            (String, String, Int64, Data?, Date?, String?, String?, Date?, Bool, String?, String?, Date?).self
        )
        for try await (
            channelID, kindName, generation, sealed, expiresAt, keyID, issuedBy, issuedAt, bad, leaseOwner, leaseID, leaseExpiresAt
        )
            in decoded
        {
            guard let kind = ChannelAccessToken.Kind(rawValue: kindName) else { continue }
            let slot = ChannelTokenSlot(channelID: channelID, kind: kind)
            var token: SharedChannelToken?
            if let sealed, let expiresAt {
                token = SharedChannelToken(
                    slot: slot,
                    generation: generation,
                    sealedToken: sealed,
                    expiresAt: expiresAt,
                    keyID: keyID,
                    issuedBy: issuedBy ?? "",
                    issuedAt: issuedAt ?? expiresAt,
                    isBad: bad
                )
            }
            var lease: ChannelTokenLease?
            if let leaseOwner, let leaseID, let leaseExpiresAt {
                lease = ChannelTokenLease(slot: slot, owner: leaseOwner, leaseID: leaseID, expiresAt: leaseExpiresAt)
            }
            states.append(ChannelTokenSlotState(slot: slot, token: token, lease: lease))
        }
        return states
    }

    /// Runs one store operation within `operationTimeout`, turning PostgreSQL's failures into
    /// `MessagingError.Code.storeUnavailable` (whose reason names the failure, never a query's values).
    func operation<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let timeout = operationTimeout
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw MessagingError.storeUnavailable("PostgreSQL did not answer within \(timeout)")
                }
                return result
            }
        } catch let error as MessagingError where error.code == .storeUnavailable {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw MessagingError.storeUnavailable(Self.reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "PostgreSQL refused the operation (\(error.serverInfo?[.sqlState] ?? "?")): \(message)"
            }
            return "PostgreSQL could not be used (\(error.code))"
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return reason(inner) }
            return "a PostgreSQL transaction failed"
        }
        return "PostgreSQL could not be used (\(type(of: error)))"
    }
}
