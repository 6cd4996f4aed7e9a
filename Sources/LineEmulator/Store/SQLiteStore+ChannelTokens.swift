import Foundation
import GRDB

/// Channel access tokens and the assertion-signing keys of channel access tokens v2.1.
extension SQLiteStore {
    func channelToken(_ accessToken: String) async throws -> ChannelAccessToken? {
        try await cached(channelTokenCache, accessToken) { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM channel_tokens WHERE access_token = ?"), arguments: [accessToken])
                .map(Self.channelToken(from:))
        }
    }

    func recentChannelTokens(limit: Int) async throws -> [ChannelAccessToken] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM channel_tokens ORDER BY issued_at DESC, rowid DESC LIMIT ?"),
                arguments: [limit]
            )
            .map(Self.channelToken(from:))
        }
    }

    func insertChannelToken(_ token: ChannelAccessToken, limit: Int?, revokeOldest: Bool) async throws -> Bool {
        let generation = channelTokenCache.generation
        let (inserted, revoked) = try await write { db -> (Bool, [String]) in
            var revoked: [String] = []
            if let limit {
                let valid = try String.fetchAll(
                    try db.cachedStatement(
                        sql: """
                            SELECT access_token FROM channel_tokens
                            WHERE channel_id = ? AND kind = ? AND revoked_at IS NULL AND expires_at > ?
                            ORDER BY issued_at, rowid
                            """
                    ),
                    arguments: [token.channelID, token.kind.rawValue, token.issuedAt.timeIntervalSince1970]
                )
                if valid.count >= limit {
                    guard revokeOldest else { return (false, []) }
                    for oldest in valid.prefix(valid.count - limit + 1) {
                        try db.cachedStatement(sql: "UPDATE channel_tokens SET revoked_at = ? WHERE access_token = ?").execute(arguments: [
                            token.issuedAt.timeIntervalSince1970, oldest,
                        ])
                        revoked.append(oldest)
                    }
                }
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO channel_tokens (access_token, kind, channel_id, key_id, issued_at, expires_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                token.accessToken, token.kind.rawValue, token.channelID, token.keyID, token.issuedAt.timeIntervalSince1970,
                token.expiresAt.timeIntervalSince1970, token.revokedAt?.timeIntervalSince1970,
            ])
            return (true, revoked)
        }
        if !revoked.isEmpty { channelTokenCache.remove(revoked) }
        if inserted { channelTokenCache.store(token, for: token.accessToken, ifGeneration: generation) }
        return inserted
    }

    func validChannelTokens(channelID: String, kind: ChannelAccessToken.Kind, at time: Date) async throws -> [ChannelAccessToken] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT * FROM channel_tokens WHERE channel_id = ? AND kind = ? AND revoked_at IS NULL AND expires_at > ?
                        ORDER BY issued_at, rowid
                        """
                ),
                arguments: [channelID, kind.rawValue, time.timeIntervalSince1970]
            ).map(Self.channelToken(from:))
        }
    }

    func revokeChannelToken(_ accessToken: String, at time: Date) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE channel_tokens SET revoked_at = ? WHERE access_token = ? AND revoked_at IS NULL").execute(
                arguments: [time.timeIntervalSince1970, accessToken])
        }
        channelTokenCache.remove([accessToken])
    }

    func insertChannelKey(_ key: ChannelKey) async throws {
        try await write { db in
            try db.cachedStatement(sql: "INSERT INTO channel_keys (kid, channel_id, modulus, exponent, created_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [key.keyID, key.channelID, key.modulus, key.exponent, key.createdAt.timeIntervalSince1970])
        }
    }

    func channelKey(keyID: String) async throws -> ChannelKey? {
        try await read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM channel_keys WHERE kid = ?"), arguments: [keyID]).map(
                Self.channelKey(from:)
            )
        }
    }

    func channelKeys(channelID: String) async throws -> [ChannelKey] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM channel_keys WHERE channel_id = ? ORDER BY created_at"),
                arguments: [channelID]
            )
            .map(Self.channelKey(from:))
        }
    }
}
