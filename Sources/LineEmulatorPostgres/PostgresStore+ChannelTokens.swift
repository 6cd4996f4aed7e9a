import Foundation
import LineEmulator
import PostgresNIO

/// Channel access tokens and the channels' assertion signing keys.
extension PostgresStore {
    /// Capped kinds lock the channel's row (`SELECT … FOR UPDATE`) first: every instance issuing a token for the
    /// channel queues there, and each then counts the live tokens with the earlier ones committed, so the cap is exact.
    func insertChannelToken(_ token: ChannelAccessToken, limit: Int?, revokeOldest: Bool) async throws -> Bool {
        try await transaction { transaction in
            if let limit {
                try await transaction.execute("SELECT id FROM channels WHERE id = \(token.channelID) FOR UPDATE")
                let now = token.issuedAt.timeIntervalSince1970
                let live = try await transaction.rows(
                    """
                    SELECT access_token FROM channel_tokens
                    WHERE channel_id = \(token.channelID) AND kind = \(token.kind.rawValue) AND revoked_at IS NULL AND expires_at > \(now)
                    ORDER BY issued_at, seq
                    """
                )
                if live.count >= limit {
                    guard revokeOldest else { return false }
                    let oldest = try live.prefix(live.count - limit + 1).map { try $0.value("access_token", as: String.self) }
                    try await transaction.execute(
                        "UPDATE channel_tokens SET revoked_at = \(now) WHERE access_token = ANY(\(oldest)) AND revoked_at IS NULL"
                    )
                }
            }
            try await transaction.execute(
                """
                INSERT INTO channel_tokens (access_token, kind, channel_id, key_id, issued_at, expires_at, revoked_at)
                VALUES (\(token.accessToken), \(token.kind.rawValue), \(token.channelID), \(token.keyID),
                    \(token.issuedAt.timeIntervalSince1970), \(token.expiresAt.timeIntervalSince1970), \(token.revokedAt?.timeIntervalSince1970))
                """
            )
            return true
        }
    }

    func channelToken(_ accessToken: String) async throws -> ChannelAccessToken? {
        try await rows("SELECT * FROM channel_tokens WHERE access_token = \(accessToken)").first?.channelToken()
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
