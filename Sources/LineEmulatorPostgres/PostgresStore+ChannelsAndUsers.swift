import Foundation
import LineEmulator
import PostgresNIO

/// Channels, users, consents and friendships.
extension PostgresStore {
    func channels() async throws -> [Channel] {
        try await rows("SELECT * FROM channels ORDER BY position").map { try $0.channel() }
    }

    func channel(id: String) async throws -> Channel? {
        try await rows("SELECT * FROM channels WHERE id = \(id)").first?.channel()
    }

    func insertChannel(_ channel: Channel) async throws -> Bool {
        try await !rows(Self.insertQuery(channel)).isEmpty
    }

    func users() async throws -> [User] {
        try await rows("SELECT * FROM users ORDER BY position").map { try $0.user() }
    }

    func user(id: String) async throws -> User? {
        try await rows("SELECT * FROM users WHERE id = \(id)").first?.user()
    }

    func insertUser(_ user: User) async throws -> Bool {
        try await !rows(Self.insertQuery(user)).isEmpty
    }

    func updateUser(_ user: User) async throws -> Bool {
        try await !rows(
            """
            UPDATE users SET display_name = \(user.displayName), picture_url = \(user.pictureURL),
                status_message = \(user.statusMessage), email = \(user.email)
            WHERE id = \(user.userID) RETURNING id
            """
        ).isEmpty
    }

    func consents(userID: String) async throws -> [Consent] {
        try await rows("SELECT * FROM consents WHERE user_id = \(userID) ORDER BY granted_at").map { try $0.consent() }
    }

    func consent(userID: String, channelID: String) async throws -> Consent? {
        try await rows("SELECT * FROM consents WHERE user_id = \(userID) AND channel_id = \(channelID)").first?.consent()
    }

    func isFriend(userID: String, channelID: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM friendships WHERE user_id = \(userID) AND channel_id = \(channelID)").isEmpty
    }

    func setFriend(userID: String, channelID: String, isFriend: Bool) async throws {
        if isFriend {
            try await execute(Self.insertFriendship(userID: userID, channelID: channelID))
        } else {
            try await execute("DELETE FROM friendships WHERE user_id = \(userID) AND channel_id = \(channelID)")
        }
    }

    func friendChannels(userID: String) async throws -> [String] {
        try await rows("SELECT channel_id FROM friendships WHERE user_id = \(userID) ORDER BY channel_id").map {
            try $0.value("channel_id")
        }
    }

    // MARK: Statements shared with seeding

    /// Inserts the channel unless its ID is taken; returns a row only when inserted.
    static func insertQuery(_ channel: Channel) -> PostgresQuery {
        let callbacks = String(decoding: (try? JSONEncoder().encode(channel.callbackURLs)) ?? Data("[]".utf8), as: UTF8.self)
        return """
            INSERT INTO channels (id, secret, name, kind, app_type, callback_urls, email_permission, bot_linked)
            VALUES (\(channel.channelID), \(channel.channelSecret), \(channel.name), \(channel.kind.rawValue),
                \(channel.appType.rawValue), \(callbacks), \(channel.emailPermission), false)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
    }

    /// Inserts the user unless the ID is taken; returns a row only when inserted.
    static func insertQuery(_ user: User) -> PostgresQuery {
        """
        INSERT INTO users (id, display_name, picture_url, status_message, email)
        VALUES (\(user.userID), \(user.displayName), \(user.pictureURL), \(user.statusMessage), \(user.email))
        ON CONFLICT (id) DO NOTHING RETURNING id
        """
    }

    static func insertFriendship(userID: String, channelID: String) -> PostgresQuery {
        "INSERT INTO friendships (user_id, channel_id) VALUES (\(userID), \(channelID)) ON CONFLICT DO NOTHING"
    }
}
