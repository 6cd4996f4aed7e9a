import Foundation
import LineEmulator
import PostgresNIO

/// Linked channels, webhook settings and deliveries, blocks and reply tokens. Every check-and-write is one statement
/// (`INSERT … ON CONFLICT`, `DELETE … RETURNING`, `UPDATE … WHERE … RETURNING`), so instances sharing the database
/// agree on who changed what.
extension PostgresStore {
    static func applyWebhookSeed(_ seed: Seed, in transaction: Transaction) async throws {
        for link in seed.links {
            try await transaction.execute(
                """
                INSERT INTO channel_links (login_channel_id, bot_channel_id) VALUES (\(link.loginChannelID), \(link.botChannelID))
                ON CONFLICT DO NOTHING
                """
            )
        }
        for endpoint in seed.webhooks {
            try await transaction.execute(
                """
                INSERT INTO webhook_endpoints (channel_id, url, active) VALUES (\(endpoint.channelID), \(endpoint.url), \(endpoint.isActive))
                ON CONFLICT DO NOTHING
                """
            )
        }
    }

    func linkedBotChannel(loginChannelID: String) async throws -> String? {
        try await rows("SELECT bot_channel_id FROM channel_links WHERE login_channel_id = \(loginChannelID)").first?.value("bot_channel_id")
    }

    func setLinkedBotChannel(loginChannelID: String, botChannelID: String?) async throws {
        if let botChannelID {
            try await execute(
                """
                INSERT INTO channel_links (login_channel_id, bot_channel_id) VALUES (\(loginChannelID), \(botChannelID))
                ON CONFLICT (login_channel_id) DO UPDATE SET bot_channel_id = excluded.bot_channel_id
                """
            )
        } else {
            try await execute("DELETE FROM channel_links WHERE login_channel_id = \(loginChannelID)")
        }
    }

    func channelLinks() async throws -> [(loginChannelID: String, botChannelID: String)] {
        try await rows("SELECT * FROM channel_links ORDER BY login_channel_id").map {
            (loginChannelID: try $0.value("login_channel_id"), botChannelID: try $0.value("bot_channel_id"))
        }
    }

    func webhookEndpoint(channelID: String) async throws -> WebhookEndpoint? {
        try await rows("SELECT * FROM webhook_endpoints WHERE channel_id = \(channelID)").first.map {
            WebhookEndpoint(channelID: channelID, url: try $0.value("url"), isActive: try $0.value("active"))
        }
    }

    func updateWebhookEndpoint(channelID: String, url: String?, isActive: Bool?) async throws -> WebhookEndpoint {
        let row = try await rows(
            """
            INSERT INTO webhook_endpoints (channel_id, url, active) VALUES (\(channelID), COALESCE(\(url), ''), COALESCE(\(isActive), TRUE))
            ON CONFLICT (channel_id) DO UPDATE SET url = COALESCE(\(url), webhook_endpoints.url),
                active = COALESCE(\(isActive), webhook_endpoints.active)
            RETURNING url, active
            """
        ).first
        return WebhookEndpoint(channelID: channelID, url: try row?.value("url") ?? "", isActive: try row?.value("active") ?? true)
    }

    func changeFriendship(userID: String, channelID: String, isFriend: Bool) async throws -> FriendshipChange? {
        try await transaction { transaction in
            if isFriend {
                let added = try await transaction.rows(
                    """
                    INSERT INTO friendships (user_id, channel_id) VALUES (\(userID), \(channelID))
                    ON CONFLICT DO NOTHING RETURNING user_id
                    """
                )
                guard !added.isEmpty else { return nil }
                let unblocked = try await transaction.rows(
                    "DELETE FROM blocks WHERE user_id = \(userID) AND channel_id = \(channelID) RETURNING user_id"
                )
                return .followed(isUnblocked: !unblocked.isEmpty)
            }
            let removed = try await transaction.rows(
                "DELETE FROM friendships WHERE user_id = \(userID) AND channel_id = \(channelID) RETURNING user_id"
            )
            guard !removed.isEmpty else { return nil }
            try await transaction.execute(
                "INSERT INTO blocks (user_id, channel_id) VALUES (\(userID), \(channelID)) ON CONFLICT DO NOTHING"
            )
            return .unfollowed
        }
    }

    func insertReplyToken(_ token: ReplyToken) async throws {
        try await execute(
            """
            INSERT INTO reply_tokens (token, channel_id, user_id, issued_at, expires_at)
            VALUES (\(token.token), \(token.channelID), \(token.userID), \(token.issuedAt.timeIntervalSince1970),
                \(token.expiresAt.timeIntervalSince1970))
            """
        )
    }

    func replyToken(_ token: String, channelID: String, at now: Date) async throws -> ReplyToken? {
        try await rows(
            """
            SELECT * FROM reply_tokens WHERE token = \(token) AND channel_id = \(channelID) AND used_at IS NULL
                AND expires_at > \(now.timeIntervalSince1970)
            """
        ).first.map {
            ReplyToken(
                token: token,
                channelID: channelID,
                userID: try $0.value("user_id"),
                issuedAt: try $0.date("issued_at"),
                expiresAt: try $0.date("expires_at")
            )
        }
    }

    /// The conditional `UPDATE … RETURNING` takes the token's row lock: a concurrent reply waits, then finds
    /// `used_at` set and stores nothing.
    func storeReply(_ messages: [StoredMessage], replyToken: String, channelID: String, at now: Date) async throws -> Bool {
        try await transaction { transaction in
            let time = now.timeIntervalSince1970
            let used = try await transaction.rows(
                """
                UPDATE reply_tokens SET used_at = \(time)
                WHERE token = \(replyToken) AND channel_id = \(channelID) AND used_at IS NULL AND expires_at > \(time)
                RETURNING token
                """
            )
            guard !used.isEmpty else { return false }
            try await transaction.insert(messages)
            return true
        }
    }

    func insertDelivery(_ delivery: WebhookDelivery) async throws {
        try await execute(
            """
            INSERT INTO webhook_deliveries (id, channel_id, url, body, is_redelivery, created_at, state)
            VALUES (\(delivery.id), \(delivery.channelID), \(delivery.url), \(delivery.body), \(delivery.isRedelivery),
                \(delivery.createdAt.timeIntervalSince1970), \(delivery.state.rawValue))
            """
        )
    }

    func recordDeliveryOutcome(_ delivery: WebhookDelivery) async throws {
        try await execute(
            """
            UPDATE webhook_deliveries SET state = \(delivery.state.rawValue), status_code = \(delivery.statusCode),
                latency_ms = \(delivery.latencyMilliseconds), response_excerpt = \(delivery.responseExcerpt), error = \(delivery.error)
            WHERE id = \(delivery.id)
            """
        )
    }

    func delivery(id: String) async throws -> WebhookDelivery? {
        try await rows("SELECT * FROM webhook_deliveries WHERE id = \(id)").first?.delivery()
    }

    func deliveries(channelID: String?, limit: Int) async throws -> [WebhookDelivery] {
        let found =
            if let channelID {
                try await rows("SELECT * FROM webhook_deliveries WHERE channel_id = \(channelID) ORDER BY seq DESC LIMIT \(limit)")
            } else {
                try await rows("SELECT * FROM webhook_deliveries ORDER BY seq DESC LIMIT \(limit)")
            }
        return try found.map { try $0.delivery() }
    }
}

extension PostgresRandomAccessRow {
    fileprivate func delivery() throws -> WebhookDelivery {
        WebhookDelivery(
            id: try value("id"),
            channelID: try value("channel_id"),
            url: try value("url"),
            body: try value("body"),
            isRedelivery: try value("is_redelivery"),
            createdAt: try date("created_at"),
            state: WebhookDelivery.State(rawValue: try value("state")) ?? .pending,
            statusCode: try value("status_code"),
            latencyMilliseconds: try value("latency_ms"),
            responseExcerpt: try value("response_excerpt"),
            error: try value("error")
        )
    }
}
