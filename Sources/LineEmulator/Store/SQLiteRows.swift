import Foundation
import GRDB

/// Rows to the emulator's models, for every `SQLiteStore+…` file.
extension SQLiteStore {
    static func channel(from row: Row) -> Channel {
        let callbacks = (try? JSONDecoder().decode([String].self, from: Data((row["callback_urls"] as String).utf8))) ?? []
        return Channel(
            channelID: row["id"],
            channelSecret: row["secret"],
            name: row["name"],
            kind: Channel.Kind(rawValue: row["kind"]) ?? .login,
            appType: Channel.AppType(rawValue: row["app_type"]) ?? .web,
            callbackURLs: callbacks,
            emailPermission: row["email_permission"]
        )
    }

    static func user(from row: Row) -> User {
        User(
            userID: row["id"],
            displayName: row["display_name"],
            pictureURL: row["picture_url"],
            statusMessage: row["status_message"],
            email: row["email"]
        )
    }

    static func scopes(_ value: String) -> ScopeSet {
        ScopeSet(value.split(separator: " ").compactMap { ScopeSet.Scope(rawValue: String($0)) })
    }

    static func date(_ value: Double) -> Date { Date(timeIntervalSince1970: value) }

    static func consent(from row: Row) -> Consent {
        Consent(userID: row["user_id"], channelID: row["channel_id"], scopes: scopes(row["scopes"]), grantedAt: date(row["granted_at"]))
    }

    static func code(from row: Row) -> AuthorizationCode {
        AuthorizationCode(
            code: row["code"],
            version: LoginVersion(rawValue: row["version"]) ?? .v2_1,
            channelID: row["channel_id"],
            userID: row["user_id"],
            redirectURI: row["redirect_uri"],
            scopes: scopes(row["scopes"]),
            nonce: row["nonce"],
            codeChallenge: row["code_challenge"],
            authTime: (row["auth_time"] as Double?).map(date),
            amr: (row["amr"] as String).split(separator: " ").map(String.init),
            issuedAt: date(row["issued_at"]),
            expiresAt: date(row["expires_at"])
        )
    }

    static func userToken(from row: Row) -> UserAccessToken {
        UserAccessToken(
            accessToken: row["access_token"],
            refreshToken: row["refresh_token"],
            version: LoginVersion(rawValue: row["version"]) ?? .v2_1,
            channelID: row["channel_id"],
            userID: row["user_id"],
            scopes: scopes(row["scopes"]),
            issuedAt: date(row["issued_at"]),
            expiresAt: date(row["expires_at"]),
            refreshExpiresAt: date(row["refresh_expires_at"]),
            revokedAt: (row["revoked_at"] as Double?).map(date),
            code: row["code"]
        )
    }

    static func channelKey(from row: Row) -> ChannelKey {
        ChannelKey(
            keyID: row["kid"],
            channelID: row["channel_id"],
            modulus: row["modulus"],
            exponent: row["exponent"],
            createdAt: date(row["created_at"])
        )
    }

    static func chat(from row: Row) -> GroupChat {
        func ids(_ column: String) -> [String] {
            (try? JSONDecoder().decode([String].self, from: Data((row[column] as String).utf8))) ?? []
        }
        return GroupChat(
            chatID: row["id"],
            kind: GroupChat.Kind(rawValue: row["kind"]) ?? .group,
            name: row["name"],
            memberIDs: ids("member_ids"),
            channelIDs: ids("channel_ids")
        )
    }

    static func message(from row: Row) -> StoredMessage {
        StoredMessage(
            id: row["id"],
            channelID: row["channel_id"],
            to: row["recipient"],
            type: row["type"],
            json: row["json"],
            quoteToken: row["quote_token"],
            retryKey: row["retry_key"],
            requestID: row["request_id"],
            delivered: row["delivered"],
            sentAt: date(row["sent_at"])
        )
    }

    static func channelToken(from row: Row) -> ChannelAccessToken {
        ChannelAccessToken(
            accessToken: row["access_token"],
            kind: ChannelAccessToken.Kind(rawValue: row["kind"]) ?? .shortLived,
            channelID: row["channel_id"],
            keyID: row["key_id"],
            issuedAt: date(row["issued_at"]),
            expiresAt: date(row["expires_at"]),
            revokedAt: (row["revoked_at"] as Double?).map(date)
        )
    }
}
