import Foundation
import LineEmulator
import PostgresNIO

/// The emulator's channel (NIO has a `Channel` too).
typealias Channel = LineEmulator.Channel

/// Rows to the emulator's models, for every `PostgresStore+…` file.
extension PostgresRandomAccessRow {
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    func date(_ column: String) throws -> Date { Date(timeIntervalSince1970: try value(column, as: Double.self)) }

    func optionalDate(_ column: String) throws -> Date? {
        try value(column, as: Double?.self).map(Date.init(timeIntervalSince1970:))
    }

    func scopes(_ column: String) throws -> ScopeSet {
        ScopeSet(try value(column, as: String.self).split(separator: " ").compactMap { ScopeSet.Scope(rawValue: String($0)) })
    }

    func channel() throws -> Channel {
        let callbacks = (try? JSONDecoder().decode([String].self, from: Data(try value("callback_urls", as: String.self).utf8))) ?? []
        return Channel(
            channelID: try value("id"),
            channelSecret: try value("secret"),
            name: try value("name"),
            kind: Channel.Kind(rawValue: try value("kind")) ?? .login,
            appType: Channel.AppType(rawValue: try value("app_type")) ?? .web,
            callbackURLs: callbacks,
            emailPermission: try value("email_permission")
        )
    }

    func user() throws -> User {
        User(
            userID: try value("id"),
            displayName: try value("display_name"),
            pictureURL: try value("picture_url"),
            statusMessage: try value("status_message"),
            email: try value("email")
        )
    }

    func consent() throws -> Consent {
        Consent(
            userID: try value("user_id"),
            channelID: try value("channel_id"),
            scopes: try scopes("scopes"),
            grantedAt: try date("granted_at")
        )
    }

    func authorizationCode() throws -> AuthorizationCode {
        AuthorizationCode(
            code: try value("code"),
            version: LoginVersion(rawValue: try value("version")) ?? .v2_1,
            channelID: try value("channel_id"),
            userID: try value("user_id"),
            redirectURI: try value("redirect_uri"),
            scopes: try scopes("scopes"),
            nonce: try value("nonce"),
            codeChallenge: try value("code_challenge"),
            authTime: try optionalDate("auth_time"),
            amr: try value("amr", as: String.self).split(separator: " ").map(String.init),
            issuedAt: try date("issued_at"),
            expiresAt: try date("expires_at")
        )
    }

    func userToken() throws -> UserAccessToken {
        UserAccessToken(
            accessToken: try value("access_token"),
            refreshToken: try value("refresh_token"),
            version: LoginVersion(rawValue: try value("version")) ?? .v2_1,
            channelID: try value("channel_id"),
            userID: try value("user_id"),
            scopes: try scopes("scopes"),
            issuedAt: try date("issued_at"),
            expiresAt: try date("expires_at"),
            refreshExpiresAt: try date("refresh_expires_at"),
            revokedAt: try optionalDate("revoked_at"),
            code: try value("code")
        )
    }

    func channelToken() throws -> ChannelAccessToken {
        ChannelAccessToken(
            accessToken: try value("access_token"),
            kind: ChannelAccessToken.Kind(rawValue: try value("kind")) ?? .shortLived,
            channelID: try value("channel_id"),
            keyID: try value("key_id"),
            issuedAt: try date("issued_at"),
            expiresAt: try date("expires_at"),
            revokedAt: try optionalDate("revoked_at")
        )
    }

    func channelKey() throws -> ChannelKey {
        ChannelKey(
            keyID: try value("kid"),
            channelID: try value("channel_id"),
            modulus: try value("modulus"),
            exponent: try value("exponent"),
            createdAt: try date("created_at")
        )
    }

    func message() throws -> StoredMessage {
        StoredMessage(
            id: try value("id"),
            channelID: try value("channel_id"),
            to: try value("recipient"),
            type: try value("type"),
            json: try value("json"),
            quoteToken: try value("quote_token"),
            retryKey: try value("retry_key"),
            requestID: try value("request_id"),
            delivered: try value("delivered"),
            sentAt: try date("sent_at")
        )
    }

    func chat() throws -> GroupChat {
        func ids(_ column: String) throws -> [String] {
            (try? JSONDecoder().decode([String].self, from: Data(try value(column, as: String.self).utf8))) ?? []
        }
        return GroupChat(
            chatID: try value("id"),
            kind: GroupChat.Kind(rawValue: try value("kind")) ?? .group,
            name: try value("name"),
            memberIDs: try ids("member_ids"),
            channelIDs: try ids("channel_ids")
        )
    }
}
