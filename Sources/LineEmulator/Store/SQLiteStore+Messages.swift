import Foundation
import GRDB

/// Pushed messages, retry keys and group chats.
extension SQLiteStore {
    func storePush(
        _ messages: [StoredMessage],
        channelID: String,
        retryKey: String?,
        keysValidSince: Date,
        acceptance: AcceptedPush
    ) async throws -> PushAcceptance {
        try await write { db in
            if let retryKey {
                if let row = try Row.fetchOne(
                    try db.cachedStatement(sql: "SELECT * FROM retry_keys WHERE channel_id = ? AND retry_key = ? AND accepted_at >= ?"),
                    arguments: [channelID, retryKey, keysValidSince.timeIntervalSince1970]
                ) {
                    let sent =
                        (try? JSONDecoder().decode([SentMessageRecord].self, from: Data((row["sent_messages"] as String).utf8))) ?? []
                    return .duplicate(AcceptedPush(requestID: row["request_id"], sentMessages: sent))
                }
                let sent = SentMessageRecord.jsonText(acceptance.sentMessages)
                try db.cachedStatement(
                    sql: """
                        INSERT INTO retry_keys (channel_id, retry_key, request_id, sent_messages, accepted_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (channel_id, retry_key) DO UPDATE SET request_id = excluded.request_id,
                            sent_messages = excluded.sent_messages, accepted_at = excluded.accepted_at
                        """
                ).execute(arguments: [
                    channelID, retryKey, acceptance.requestID, sent,
                    (messages.first?.sentAt ?? acceptance.acceptedAt)?.timeIntervalSince1970 ?? 0,
                ])
            }
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
            return .accepted
        }
    }

    func messages(to recipient: String?, channelID: String?, limit: Int) async throws -> [StoredMessage] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT * FROM messages WHERE (?1 IS NULL OR recipient = ?1) AND (?2 IS NULL OR channel_id = ?2)
                        ORDER BY seq DESC LIMIT ?3
                        """
                ),
                arguments: [recipient, channelID, limit]
            ).map(Self.message(from:))
        }
    }

    // MARK: Group chats

    func insertChat(_ chat: GroupChat) async throws -> Bool {
        let members = String(decoding: try JSONEncoder().encode(chat.memberIDs), as: UTF8.self)
        let channels = String(decoding: try JSONEncoder().encode(chat.channelIDs), as: UTF8.self)
        return try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO chats (id, kind, name, member_ids, channel_ids, position)
                    VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM chats))
                    """
            ).execute(arguments: [chat.chatID, chat.kind.rawValue, chat.name, members, channels])
            return db.changesCount > 0
        }
    }

    func chat(id: String) async throws -> GroupChat? {
        try await read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM chats WHERE id = ?"), arguments: [id]).map(Self.chat(from:))
        }
    }

    func chats(kind: GroupChat.Kind) async throws -> [GroupChat] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM chats WHERE kind = ? ORDER BY position"),
                arguments: [kind.rawValue]
            )
            .map(Self.chat(from:))
        }
    }
}
