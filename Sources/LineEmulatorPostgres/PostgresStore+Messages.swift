import Foundation
import LineEmulator
import PostgresNIO

/// Pushed messages, the retry keys that make a push idempotent, and the group chats pushed to.
extension PostgresStore {
    /// Without a retry key, the messages are stored (``insertMessages(_:)``). With one, the key is claimed with
    /// `INSERT … ON CONFLICT DO NOTHING`, or, when its row has outlived `keysValidSince`, taken over with `UPDATE …
    /// WHERE accepted_at < since RETURNING`: of concurrent requests on any instances exactly one claims it (the others
    /// wait on the row, then find it claimed) and stores its messages in the same transaction.
    func storePush(
        _ messages: [StoredMessage],
        channelID: String,
        retryKey: String?,
        keysValidSince: Date,
        acceptance: AcceptedPush
    ) async throws -> PushAcceptance {
        guard let retryKey else {
            try await insertMessages(messages)
            return .accepted
        }
        return try await transaction { transaction in
            let sent = SentMessageRecord.jsonText(acceptance.sentMessages)
            let acceptedAt = (messages.first?.sentAt ?? acceptance.acceptedAt)?.timeIntervalSince1970 ?? 0
            let since = keysValidSince.timeIntervalSince1970
            let claimed = try await transaction.rows(
                """
                INSERT INTO retry_keys (channel_id, retry_key, request_id, sent_messages, accepted_at)
                VALUES (\(channelID), \(retryKey), \(acceptance.requestID), \(sent), \(acceptedAt))
                ON CONFLICT (channel_id, retry_key) DO NOTHING RETURNING retry_key
                """
            )
            let takenOver =
                claimed.isEmpty
                ? try await transaction.rows(
                    """
                    UPDATE retry_keys SET request_id = \(acceptance.requestID), sent_messages = \(sent), accepted_at = \(acceptedAt)
                    WHERE channel_id = \(channelID) AND retry_key = \(retryKey) AND accepted_at < \(since) RETURNING retry_key
                    """
                ) : []
            if claimed.isEmpty && takenOver.isEmpty {
                let row = try await transaction.rows(
                    "SELECT * FROM retry_keys WHERE channel_id = \(channelID) AND retry_key = \(retryKey)"
                ).first
                let earlier = try row.map { row in
                    let text: String = try row.value("sent_messages")
                    let records = (try? JSONDecoder().decode([SentMessageRecord].self, from: Data(text.utf8))) ?? []
                    return AcceptedPush(requestID: try row.value("request_id"), sentMessages: records)
                }
                return .duplicate(earlier ?? AcceptedPush(requestID: "", sentMessages: []))
            }
            try await transaction.insert(messages)
            return .accepted
        }
    }

    /// Stores `messages` (a push carries one to five): one prepared statement, or, for several, one transaction of them.
    func insertMessages(_ messages: [StoredMessage]) async throws {
        if messages.count == 1 {
            try await rows(InsertMessage(message: messages[0]))
        } else {
            try await transaction { transaction in try await transaction.insert(messages) }
        }
    }

    func messages(to recipient: String?, channelID: String?, limit: Int) async throws -> [StoredMessage] {
        try await rows(
            """
            SELECT * FROM messages
            WHERE (\(recipient)::text IS NULL OR recipient = \(recipient)) AND (\(channelID)::text IS NULL OR channel_id = \(channelID))
            ORDER BY seq DESC LIMIT \(limit)
            """
        ).map { try $0.message() }
    }

    // MARK: Group chats

    func insertChat(_ chat: GroupChat) async throws -> Bool {
        let members = String(decoding: try JSONEncoder().encode(chat.memberIDs), as: UTF8.self)
        let channels = String(decoding: try JSONEncoder().encode(chat.channelIDs), as: UTF8.self)
        return try await !rows(
            """
            INSERT INTO chats (id, kind, name, member_ids, channel_ids)
            VALUES (\(chat.chatID), \(chat.kind.rawValue), \(chat.name), \(members), \(channels))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    func chat(id: String) async throws -> GroupChat? {
        try await rows("SELECT * FROM chats WHERE id = \(id)").first?.chat()
    }

    func chats(kind: GroupChat.Kind) async throws -> [GroupChat] {
        try await rows("SELECT * FROM chats WHERE kind = \(kind.rawValue) ORDER BY position").map { try $0.chat() }
    }
}

extension PostgresStore.Transaction {
    /// Stores `messages` in the transaction (a push's or a reply's), one prepared statement each.
    func insert(_ messages: [StoredMessage]) async throws {
        for message in messages { try await rows(InsertMessage(message: message)) }
    }
}

/// One message.
private struct InsertMessage: StoreStatement {
    static let sql = """
        INSERT INTO messages (id, channel_id, recipient, type, json, quote_token, retry_key, request_id, delivered, sent_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .text, .bytea, .text, .text, .text, .bool, .float8]
    var message: StoredMessage

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(message.id)
        bindings.append(message.channelID)
        bindings.append(message.to)
        bindings.append(message.type)
        try bindings.append(message.json)
        bindings.append(message.quoteToken)
        bindings.append(message.retryKey)
        bindings.append(message.requestID)
        bindings.append(message.delivered)
        bindings.append(message.sentAt.timeIntervalSince1970)
        return bindings
    }
}
