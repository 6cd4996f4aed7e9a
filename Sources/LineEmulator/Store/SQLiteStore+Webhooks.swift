import Foundation
import GRDB

/// Linked channels, webhook settings and deliveries, blocks and reply tokens.
extension SQLiteStore {
    static func applyWebhookSeed(_ seed: Seed, to db: Database) throws {
        for link in seed.links {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO channel_links (login_channel_id, bot_channel_id) VALUES (?, ?)")
                .execute(arguments: [link.loginChannelID, link.botChannelID])
        }
        for endpoint in seed.webhooks {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO webhook_endpoints (channel_id, url, active) VALUES (?, ?, ?)")
                .execute(arguments: [endpoint.channelID, endpoint.url, endpoint.isActive])
        }
    }

    func linkedBotChannel(loginChannelID: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                try db.cachedStatement(sql: "SELECT bot_channel_id FROM channel_links WHERE login_channel_id = ?"),
                arguments: [loginChannelID]
            )
        }
    }

    func setLinkedBotChannel(loginChannelID: String, botChannelID: String?) async throws {
        try await write { db in
            if let botChannelID {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO channel_links (login_channel_id, bot_channel_id) VALUES (?, ?)
                        ON CONFLICT (login_channel_id) DO UPDATE SET bot_channel_id = excluded.bot_channel_id
                        """
                ).execute(arguments: [loginChannelID, botChannelID])
            } else {
                try db.cachedStatement(sql: "DELETE FROM channel_links WHERE login_channel_id = ?").execute(arguments: [loginChannelID])
            }
        }
    }

    func channelLinks() async throws -> [(loginChannelID: String, botChannelID: String)] {
        try await read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM channel_links ORDER BY login_channel_id")).map {
                (loginChannelID: $0["login_channel_id"], botChannelID: $0["bot_channel_id"])
            }
        }
    }

    func webhookEndpoint(channelID: String) async throws -> WebhookEndpoint? {
        try await read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM webhook_endpoints WHERE channel_id = ?"), arguments: [channelID])
                .map { WebhookEndpoint(channelID: $0["channel_id"], url: $0["url"], isActive: $0["active"]) }
        }
    }

    func updateWebhookEndpoint(channelID: String, url: String?, isActive: Bool?) async throws -> WebhookEndpoint {
        try await write { db in
            let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        INSERT INTO webhook_endpoints (channel_id, url, active) VALUES (?, COALESCE(?, ''), COALESCE(?, 1))
                        ON CONFLICT (channel_id) DO UPDATE SET url = COALESCE(?, url), active = COALESCE(?, active)
                        RETURNING *
                        """
                ),
                arguments: [channelID, url, isActive, url, isActive]
            )
            return WebhookEndpoint(channelID: channelID, url: row?["url"] ?? "", isActive: row?["active"] ?? true)
        }
    }

    func changeFriendship(userID: String, channelID: String, isFriend: Bool) async throws -> FriendshipChange? {
        let change = try await write { db -> FriendshipChange? in
            let arguments: StatementArguments = [userID, channelID]
            if isFriend {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO friendships (user_id, channel_id) VALUES (?, ?)").execute(
                    arguments: arguments
                )
                guard db.changesCount > 0 else { return nil }
                try db.cachedStatement(sql: "DELETE FROM blocks WHERE user_id = ? AND channel_id = ?").execute(arguments: arguments)
                return .followed(isUnblocked: db.changesCount > 0)
            }
            try db.cachedStatement(sql: "DELETE FROM friendships WHERE user_id = ? AND channel_id = ?").execute(arguments: arguments)
            guard db.changesCount > 0 else { return nil }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO blocks (user_id, channel_id) VALUES (?, ?)").execute(arguments: arguments)
            return .unfollowed
        }
        friendshipCache.remove([Self.friendshipKey(userID, channelID)])
        return change
    }

    func insertReplyToken(_ token: ReplyToken) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: "INSERT INTO reply_tokens (token, channel_id, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [
                token.token, token.channelID, token.userID, token.issuedAt.timeIntervalSince1970, token.expiresAt.timeIntervalSince1970,
            ])
        }
    }

    func replyToken(_ token: String, channelID: String, at now: Date) async throws -> ReplyToken? {
        try await read { db in
            try Row.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT * FROM reply_tokens WHERE token = ? AND channel_id = ? AND used_at IS NULL AND expires_at > ?"
                ),
                arguments: [token, channelID, now.timeIntervalSince1970]
            ).map {
                ReplyToken(
                    token: $0["token"],
                    channelID: $0["channel_id"],
                    userID: $0["user_id"],
                    issuedAt: Date(timeIntervalSince1970: $0["issued_at"]),
                    expiresAt: Date(timeIntervalSince1970: $0["expires_at"])
                )
            }
        }
    }

    func storeReply(_ messages: [StoredMessage], replyToken: String, channelID: String, at now: Date) async throws -> Bool {
        try await write { db in
            try db.cachedStatement(
                sql: "UPDATE reply_tokens SET used_at = ? WHERE token = ? AND channel_id = ? AND used_at IS NULL AND expires_at > ?"
            ).execute(arguments: [now.timeIntervalSince1970, replyToken, channelID, now.timeIntervalSince1970])
            guard db.changesCount == 1 else { return false }
            for message in messages {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO messages (id, channel_id, recipient, type, json, quote_token, retry_key, request_id, delivered,
                            sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    message.id, message.channelID, message.to, message.type, message.json, message.quoteToken, message.retryKey,
                    message.requestID, message.delivered, message.sentAt.timeIntervalSince1970,
                ])
            }
            return true
        }
    }

    func insertDelivery(_ delivery: WebhookDelivery) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_deliveries (id, channel_id, url, body, is_redelivery, created_at, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                delivery.id, delivery.channelID, delivery.url, delivery.body, delivery.isRedelivery,
                delivery.createdAt.timeIntervalSince1970, delivery.state.rawValue,
            ])
        }
    }

    func recordDeliveryOutcome(_ delivery: WebhookDelivery) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE webhook_deliveries SET state = ?, status_code = ?, latency_ms = ?, response_excerpt = ?, error = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [
                delivery.state.rawValue, delivery.statusCode, delivery.latencyMilliseconds, delivery.responseExcerpt, delivery.error,
                delivery.id,
            ])
        }
    }

    func delivery(id: String) async throws -> WebhookDelivery? {
        try await read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM webhook_deliveries WHERE id = ?"), arguments: [id])
                .map(Self.delivery(from:))
        }
    }

    func deliveries(channelID: String?, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT * FROM webhook_deliveries WHERE ? IS NULL OR channel_id = ? ORDER BY seq DESC LIMIT ?"
                ),
                arguments: [channelID, channelID, limit]
            ).map(Self.delivery(from:))
        }
    }

    private static func delivery(from row: Row) -> WebhookDelivery {
        WebhookDelivery(
            id: row["id"],
            channelID: row["channel_id"],
            url: row["url"],
            body: row["body"],
            isRedelivery: row["is_redelivery"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            state: WebhookDelivery.State(rawValue: row["state"]) ?? .pending,
            statusCode: row["status_code"],
            latencyMilliseconds: row["latency_ms"],
            responseExcerpt: row["response_excerpt"],
            error: row["error"]
        )
    }
}
