import Foundation
import LineEmulator
import PostgresNIO

/// Channel access tokens and the channels' assertion signing keys.
extension PostgresStore {
    /// Capped kinds lock the channel's row (`SELECT … FOR UPDATE`) first: every instance issuing a token for the
    /// channel queues there (and, before that, this instance's issuers queue in ``channelIssuers``, so one per instance
    /// waits on the row). Then one statement, whose snapshot is taken after the lock is granted (so it sees every earlier
    /// token committed), counts the live tokens, revokes the oldest when asked, and inserts: the cap is exact, and the
    /// row is held for two round trips (that statement and the commit).
    func insertChannelToken(_ token: ChannelAccessToken, limit: Int?, revokeOldest: Bool) async throws -> Bool {
        guard let limit else {
            try await rows(InsertChannelToken(token: token, limit: nil, revokeOldest: false))
            return true
        }
        // One limit for the wait in the queue and the transaction: a waiter cancelled at the limit leaves the queue.
        return try await watchdog.run(limit: Self.operationTimeout) { [self] in
            try await channelIssuers.withLock(token.channelID) {
                try await transaction { transaction in
                    try await transaction.rows(LockChannel(key: token.channelID))
                    return try await !transaction.rows(InsertChannelToken(token: token, limit: limit, revokeOldest: revokeOldest)).isEmpty
                }
            }
        }
    }

    func channelToken(_ accessToken: String) async throws -> ChannelAccessToken? {
        try await rows(SelectChannelToken(key: accessToken)).first?.channelToken()
    }

    func validChannelTokens(channelID: String, kind: ChannelAccessToken.Kind, at time: Date) async throws -> [ChannelAccessToken] {
        try await rows(
            """
            SELECT * FROM channel_tokens
            WHERE channel_id = \(channelID) AND kind = \(kind.rawValue) AND revoked_at IS NULL AND expires_at > \(time.timeIntervalSince1970)
            ORDER BY issued_at, seq
            """
        ).map { try $0.channelToken() }
    }

    func revokeChannelToken(_ accessToken: String, at time: Date) async throws {
        try await execute(
            "UPDATE channel_tokens SET revoked_at = \(time.timeIntervalSince1970) WHERE access_token = \(accessToken) AND revoked_at IS NULL"
        )
    }

    func recentChannelTokens(limit: Int) async throws -> [ChannelAccessToken] {
        try await rows("SELECT * FROM channel_tokens ORDER BY issued_at DESC, seq DESC LIMIT \(limit)").map { try $0.channelToken() }
    }

    func insertChannelKey(_ key: ChannelKey) async throws {
        try await execute(
            """
            INSERT INTO channel_keys (kid, channel_id, modulus, exponent, created_at)
            VALUES (\(key.keyID), \(key.channelID), \(key.modulus), \(key.exponent), \(key.createdAt.timeIntervalSince1970))
            """
        )
    }

    func channelKey(keyID: String) async throws -> ChannelKey? {
        try await rows("SELECT * FROM channel_keys WHERE kid = \(keyID)").first?.channelKey()
    }

    func channelKeys(channelID: String) async throws -> [ChannelKey] {
        try await rows("SELECT * FROM channel_keys WHERE channel_id = \(channelID) ORDER BY created_at").map { try $0.channelKey() }
    }
}

// MARK: Prepared statements of the token path

/// The token's row.
private struct SelectChannelToken: KeyedStoreStatement {
    static let sql = "SELECT * FROM channel_tokens WHERE access_token = $1"
    var key: String
}

/// The channel's row, locked until the transaction ends: where the issuers of capped tokens for the channel queue.
private struct LockChannel: KeyedStoreStatement {
    static let sql = "SELECT id FROM channels WHERE id = $1 FOR UPDATE"
    var key: String
}

/// Inserts the token, returning its row when inserted. With a limit (`$8`): when that many of its kind are live for
/// its channel, refused, or, with `revokeOldest` (`$9`), inserted after the oldest live ones are revoked down to the
/// limit less one.
private struct InsertChannelToken: StoreStatement {
    static let sql = """
        WITH live AS (
            SELECT access_token, row_number() OVER (ORDER BY issued_at DESC, seq DESC) AS newness FROM channel_tokens
            WHERE $8::int8 IS NOT NULL AND channel_id = $3 AND kind = $2 AND revoked_at IS NULL AND expires_at > $5
        ), revoked AS (
            UPDATE channel_tokens SET revoked_at = $5
            WHERE $9 AND access_token IN (SELECT access_token FROM live WHERE newness >= $8)
        )
        INSERT INTO channel_tokens (access_token, kind, channel_id, key_id, issued_at, expires_at, revoked_at)
        SELECT $1, $2, $3, $4, $5, $6, $7
        WHERE $8::int8 IS NULL OR $9 OR (SELECT count(*) FROM live) < $8
        RETURNING access_token
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .text, .float8, .float8, .float8, .int8, .bool]
    var token: ChannelAccessToken
    var limit: Int?
    var revokeOldest: Bool

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(token.accessToken)
        bindings.append(token.kind.rawValue)
        bindings.append(token.channelID)
        bindings.append(token.keyID)
        bindings.append(token.issuedAt.timeIntervalSince1970)
        bindings.append(token.expiresAt.timeIntervalSince1970)
        bindings.append(token.revokedAt?.timeIntervalSince1970)
        bindings.append(limit)
        bindings.append(revokeOldest)
        return bindings
    }
}
