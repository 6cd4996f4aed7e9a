import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite file (WAL mode) through GRDB, or an in-memory database for tests.
///
/// Writes of concurrent requests share transactions (``GroupCommitWriter``); each has committed before its method
/// returns, and with WAL and `synchronous=NORMAL` a committed write survives the emulator process being killed.
/// Reads of tokens and users, which every API call makes, are served from bounded in-memory caches (``RowCache``)
/// that the store keeps in step with its own writes: one emulator process owns an SQLite file (``DatabaseFileLock``).
final class SQLiteStore: EmulatorStore {
    let database: any DatabaseWriter
    private let writer: GroupCommitWriter
    /// Held while the file is open: the caches below are correct only while this process is its one writer.
    private let fileLock: DatabaseFileLock?
    /// Channels never change once created (only a reset deletes them), so reads of them are cached.
    private let channelCache = Mutex<[String: Channel]>([:])
    /// User access tokens by access token.
    private let userTokenCache: RowCache<UserAccessToken?>
    /// The newest user access token of each grant, by refresh token.
    private let grantCache: RowCache<UserAccessToken?>
    /// Stored channel access tokens by access token.
    private let channelTokenCache: RowCache<ChannelAccessToken?>
    private let userCache: RowCache<User?>
    /// Every user, in order (the login page lists them), under the single key ``allUsers``.
    private let userListCache: RowCache<[User]?>
    private static let allUsers = "*"
    /// Authorization codes, and whether each has been redeemed.
    private let codeCache: RowCache<(code: AuthorizationCode, isUsed: Bool)?>
    /// Whether a user is a friend of a channel's bot, by ``friendshipKey(_:_:)``.
    let friendshipCache: RowCache<Bool?>

    /// Rows each cache keeps at most: a few megabytes each, whatever the number of requests served.
    static let cacheCapacity = 8192

    /// Opens (creating if needed) the database at `path`, or an in-memory database when `path` is `nil`.
    init(path: String?) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        if let path {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            fileLock = try DatabaseFileLock(databasePath: path)
            database = try DatabasePool(path: path, configuration: configuration)
        } else {
            fileLock = nil
            database = try DatabaseQueue(configuration: configuration)
        }
        try Self.migrator.migrate(database)
        writer = GroupCommitWriter(database: database)
        userTokenCache = RowCache(capacity: Self.cacheCapacity)
        grantCache = RowCache(capacity: Self.cacheCapacity)
        channelTokenCache = RowCache(capacity: Self.cacheCapacity)
        userCache = RowCache(capacity: Self.cacheCapacity)
        friendshipCache = RowCache(capacity: Self.cacheCapacity)
        userListCache = RowCache(capacity: 1)
        codeCache = RowCache(capacity: Self.cacheCapacity)
    }

    static func friendshipKey(_ userID: String, _ channelID: String) -> String { userID + " " + channelID }

    /// Runs `body` in the next shared transaction; returns once that has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    /// Reads through `cache`: a hit (a row, or the knowledge that there is none) skips the database; what is read is
    /// kept unless a write invalidated the cache meanwhile.
    private func cached<Value: Sendable>(
        _ cache: RowCache<Value?>,
        _ key: String,
        read: @escaping @Sendable (Database) throws -> Value?
    ) async throws -> Value? {
        if let hit = cache[key] { return hit }
        let generation = cache.generation
        let value = try await database.read(read)
        cache.store(value, for: key, ifGeneration: generation)
        return value
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channels (
                        id TEXT PRIMARY KEY, secret TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
                        app_type TEXT NOT NULL, callback_urls TEXT NOT NULL, email_permission INTEGER NOT NULL,
                        bot_linked INTEGER NOT NULL, position INTEGER NOT NULL);
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY, display_name TEXT NOT NULL, picture_url TEXT, status_message TEXT,
                        email TEXT, position INTEGER NOT NULL);
                    CREATE TABLE consents (
                        user_id TEXT NOT NULL, channel_id TEXT NOT NULL, scopes TEXT NOT NULL, granted_at DOUBLE NOT NULL,
                        PRIMARY KEY (user_id, channel_id));
                    CREATE TABLE friendships (
                        user_id TEXT NOT NULL, channel_id TEXT NOT NULL, PRIMARY KEY (user_id, channel_id));
                    CREATE TABLE authorization_codes (
                        code TEXT PRIMARY KEY, version TEXT NOT NULL, channel_id TEXT NOT NULL, user_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, nonce TEXT, code_challenge TEXT,
                        auth_time DOUBLE, amr TEXT NOT NULL, issued_at DOUBLE NOT NULL, expires_at DOUBLE NOT NULL,
                        used_at DOUBLE);
                    CREATE TABLE user_tokens (
                        access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL, version TEXT NOT NULL,
                        channel_id TEXT NOT NULL, user_id TEXT NOT NULL, scopes TEXT NOT NULL, issued_at DOUBLE NOT NULL,
                        expires_at DOUBLE NOT NULL, refresh_expires_at DOUBLE NOT NULL, revoked_at DOUBLE,
                        code TEXT NOT NULL);
                    CREATE INDEX user_tokens_refresh ON user_tokens (refresh_token, issued_at);
                    CREATE INDEX user_tokens_user_channel ON user_tokens (user_id, channel_id);
                    CREATE INDEX user_tokens_code ON user_tokens (code);
                    CREATE TABLE channel_tokens (
                        access_token TEXT PRIMARY KEY, kind TEXT NOT NULL, channel_id TEXT NOT NULL, key_id TEXT,
                        issued_at DOUBLE NOT NULL, expires_at DOUBLE NOT NULL, revoked_at DOUBLE);
                    CREATE INDEX channel_tokens_live ON channel_tokens (channel_id, kind, issued_at) WHERE revoked_at IS NULL;
                    CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
                    """
            )
        }
        migrator.registerMigration("v2: assertion keys, retry keys, messages") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channel_keys (
                        kid TEXT PRIMARY KEY, channel_id TEXT NOT NULL, modulus BLOB NOT NULL, exponent BLOB NOT NULL,
                        created_at DOUBLE NOT NULL);
                    CREATE INDEX channel_keys_channel ON channel_keys (channel_id);
                    CREATE TABLE retry_keys (
                        channel_id TEXT NOT NULL, retry_key TEXT NOT NULL, request_id TEXT NOT NULL, sent_messages TEXT NOT NULL,
                        accepted_at DOUBLE NOT NULL, PRIMARY KEY (channel_id, retry_key));
                    CREATE TABLE messages (
                        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, channel_id TEXT NOT NULL, recipient TEXT NOT NULL,
                        type TEXT NOT NULL, json BLOB NOT NULL, quote_token TEXT, retry_key TEXT, request_id TEXT NOT NULL,
                        delivered INTEGER NOT NULL, sent_at DOUBLE NOT NULL);
                    CREATE INDEX messages_recipient ON messages (recipient, seq);
                    """
            )
        }
        migrator.registerMigration("v3: decided consent transactions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE consent_transactions (id TEXT PRIMARY KEY, valid_until DOUBLE NOT NULL);
                    CREATE INDEX consent_transactions_valid_until ON consent_transactions (valid_until);
                    """
            )
        }
        migrator.registerMigration("v4: group chats") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chats (
                        id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, member_ids TEXT NOT NULL, channel_ids TEXT NOT NULL,
                        position INTEGER NOT NULL);
                    """
            )
        }
        registerWebhookMigration(in: &migrator)
        return migrator
    }

    // MARK: Channels and users

    func channels() async throws -> [Channel] {
        try await database.read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM channels ORDER BY position")).map(Self.channel(from:))
        }
    }

    func channel(id: String) async throws -> Channel? {
        if let cached = channelCache.withLock({ $0[id] }) { return cached }
        let channel = try await database.read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM channels WHERE id = ?"), arguments: [id]).map(Self.channel(from:))
        }
        if let channel { channelCache.withLock { $0[id] = channel } }
        return channel
    }

    func insertChannel(_ channel: Channel) async throws -> Bool {
        try await write { db in try Self.insert(channel, into: db) }
    }

    func users() async throws -> [User] {
        let users = try await cached(userListCache, Self.allUsers) { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM users ORDER BY position")).map(Self.user(from:))
        }
        return users ?? []
    }

    func user(id: String) async throws -> User? {
        try await cached(userCache, id) { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(Self.user(from:))
        }
    }

    func insertUser(_ user: User) async throws -> Bool {
        let inserted = try await write { db in try Self.insert(user, into: db) }
        userCache.remove([user.userID])
        userListCache.removeAll()
        return inserted
    }

    func updateUser(_ user: User) async throws -> Bool {
        let updated = try await write { db in
            try db.cachedStatement(sql: "UPDATE users SET display_name = ?, picture_url = ?, status_message = ?, email = ? WHERE id = ?")
                .execute(arguments: [user.displayName, user.pictureURL, user.statusMessage, user.email, user.userID])
            return db.changesCount > 0
        }
        userCache.remove([user.userID])
        userListCache.removeAll()
        return updated
    }

    // MARK: Consents and friendships

    func friendChannels(userID: String) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(
                try db.cachedStatement(sql: "SELECT channel_id FROM friendships WHERE user_id = ? ORDER BY channel_id"),
                arguments: [userID]
            )
        }
    }

    func recentUserTokens(limit: Int) async throws -> [UserAccessToken] {
        try await database.read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM user_tokens ORDER BY issued_at DESC, rowid DESC LIMIT ?"),
                arguments: [limit]
            )
            .map(Self.userToken(from:))
        }
    }

    func recentChannelTokens(limit: Int) async throws -> [ChannelAccessToken] {
        try await database.read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM channel_tokens ORDER BY issued_at DESC, rowid DESC LIMIT ?"),
                arguments: [limit]
            )
            .map(Self.channelToken(from:))
        }
    }

    func consents(userID: String) async throws -> [Consent] {
        try await database.read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM consents WHERE user_id = ? ORDER BY granted_at"),
                arguments: [userID]
            )
            .map(Self.consent(from:))
        }
    }

    func consent(userID: String, channelID: String) async throws -> Consent? {
        try await database.read { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT * FROM consents WHERE user_id = ? AND channel_id = ?"),
                arguments: [userID, channelID]
            ).map(Self.consent(from:))
        }
    }

    func isFriend(userID: String, channelID: String) async throws -> Bool {
        let isFriend = try await cached(friendshipCache, Self.friendshipKey(userID, channelID)) { db in
            try Bool.fetchOne(
                try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND channel_id = ?)"),
                arguments: [userID, channelID]
            ) ?? false
        }
        return isFriend ?? false
    }

    func setFriend(userID: String, channelID: String, isFriend: Bool) async throws {
        try await write { db in
            if isFriend {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO friendships (user_id, channel_id) VALUES (?, ?)").execute(arguments: [
                    userID, channelID,
                ])
            } else {
                try db.cachedStatement(sql: "DELETE FROM friendships WHERE user_id = ? AND channel_id = ?").execute(arguments: [
                    userID, channelID,
                ])
            }
        }
        friendshipCache.remove([Self.friendshipKey(userID, channelID)])
    }

    // MARK: LINE Login codes and tokens

    /// Adds the consent's scopes to those the user granted the channel before.
    private static func grant(_ consent: Consent, in db: Database) throws {
        let earlier = try String.fetchOne(
            try db.cachedStatement(sql: "SELECT scopes FROM consents WHERE user_id = ? AND channel_id = ?"),
            arguments: [consent.userID, consent.channelID]
        )
        let scopes = earlier.map { ScopeSet(Self.scopes($0).scopes.union(consent.scopes.scopes)) } ?? consent.scopes
        try db.cachedStatement(
            sql: """
                INSERT INTO consents (user_id, channel_id, scopes, granted_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id, channel_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at
                """
        ).execute(arguments: [consent.userID, consent.channelID, scopes.storageValue, consent.grantedAt.timeIntervalSince1970])
    }

    func insertCode(_ code: AuthorizationCode, grantingConsent consent: Consent?) async throws {
        let generation = codeCache.generation
        try await write { db in
            if let consent { try Self.grant(consent, in: db) }
            try db.cachedStatement(
                sql: """
                    INSERT INTO authorization_codes (code, version, channel_id, user_id, redirect_uri, scopes, nonce,
                        code_challenge, auth_time, amr, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                code.code, code.version.rawValue, code.channelID, code.userID, code.redirectURI, code.scopes.storageValue,
                code.nonce, code.codeChallenge, code.authTime?.timeIntervalSince1970, code.amr.joined(separator: " "),
                code.issuedAt.timeIntervalSince1970, code.expiresAt.timeIntervalSince1970,
            ])
        }
        codeCache.store((code, false), for: code.code, ifGeneration: generation)
    }

    func authorizationCode(_ code: String) async throws -> (code: AuthorizationCode, isUsed: Bool)? {
        try await cached(codeCache, code) { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM authorization_codes WHERE code = ?"), arguments: [code]).map {
                row in
                (Self.code(from: row), (row["used_at"] as Double?) != nil)
            }
        }
    }

    func redeemCode(_ code: String, issuing token: UserAccessToken) async throws -> CodeRedemption {
        let generations = (userTokenCache.generation, grantCache.generation)
        defer { codeCache.remove([code]) }
        let redemption = try await write { db -> CodeRedemption in
            guard
                let row = try Row.fetchOne(
                    try db.cachedStatement(sql: "SELECT * FROM authorization_codes WHERE code = ?"),
                    arguments: [code]
                )
            else {
                return .unknown
            }
            let authorizationCode = Self.code(from: row)
            if (row["used_at"] as Double?) != nil { return .alreadyUsed(authorizationCode) }
            guard
                try Bool.fetchOne(
                    try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM consents WHERE user_id = ? AND channel_id = ?)"),
                    arguments: [authorizationCode.userID, authorizationCode.channelID]
                ) == true
            else {
                return .consentWithdrawn
            }
            try db.cachedStatement(sql: "UPDATE authorization_codes SET used_at = ? WHERE code = ?").execute(arguments: [
                token.issuedAt.timeIntervalSince1970, code,
            ])
            try Self.insert(token, into: db)
            return .redeemed(authorizationCode)
        }
        if case .redeemed = redemption { cache(token, generations: generations) }
        return redemption
    }

    func consumeConsentTransaction(_ id: String, validUntil: Date, now: Date) async throws -> Bool {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM consent_transactions WHERE valid_until < ?")
                .execute(arguments: [now.timeIntervalSince1970])
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO consent_transactions (id, valid_until) VALUES (?, ?)")
                .execute(arguments: [id, validUntil.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    func refreshGrant(issuing token: UserAccessToken, replacing oldRefreshToken: String?) async throws -> RefreshOutcome {
        // Taken before the write: a revocation committed after the insert invalidates the new token's keys, so the
        // token cached below can never outlive a revoke (see ``RowCache``).
        let generations = (userTokenCache.generation, grantCache.generation)
        let grant = oldRefreshToken ?? token.refreshToken
        let (outcome, replaced) = try await write { db -> (RefreshOutcome, [(access: String, refresh: String)]) in
            // Every revocation revokes all of a grant's tokens at once, and no token is added after one (this
            // check), so the grant is revoked exactly when its newest token is.
            guard
                let row = try Row.fetchOne(
                    try db.cachedStatement(
                        sql: """
                            SELECT revoked_at, refresh_expires_at FROM user_tokens WHERE refresh_token = ?
                            ORDER BY issued_at DESC, rowid DESC LIMIT 1
                            """
                    ),
                    arguments: [grant]
                )
            else {
                return (.unknown, [])
            }
            if (row["revoked_at"] as Double?) != nil { return (.revoked, []) }
            guard token.issuedAt < Self.date(row["refresh_expires_at"]) else { return (.expired, []) }
            try Self.insert(token, into: db)
            guard grant != token.refreshToken else { return (.refreshed, []) }
            return (.refreshed, try Self.revokeUserTokens(db, where: "refresh_token = ?", [grant], at: token.issuedAt))
        }
        forget(replaced)
        if outcome == .refreshed { cache(token, generations: generations) }
        return outcome
    }

    private static func insert(_ token: UserAccessToken, into db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO user_tokens (access_token, refresh_token, version, channel_id, user_id, scopes, issued_at,
                    expires_at, refresh_expires_at, revoked_at, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            token.accessToken, token.refreshToken, token.version.rawValue, token.channelID, token.userID,
            token.scopes.storageValue, token.issuedAt.timeIntervalSince1970, token.expiresAt.timeIntervalSince1970,
            token.refreshExpiresAt.timeIntervalSince1970, token.revokedAt?.timeIntervalSince1970, token.code,
        ])
    }

    /// Keeps a token just written, under its access token and as its grant's newest (by refresh token).
    private func cache(_ token: UserAccessToken, generations: (userTokens: UInt64, grants: UInt64)) {
        userTokenCache.store(token, for: token.accessToken, ifGeneration: generations.userTokens)
        grantCache.store(token, for: token.refreshToken, ifGeneration: generations.grants)
    }

    func userToken(accessToken: String) async throws -> UserAccessToken? {
        try await cached(userTokenCache, accessToken) { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM user_tokens WHERE access_token = ?"), arguments: [accessToken])
                .map(Self.userToken(from:))
        }
    }

    func userToken(refreshToken: String) async throws -> UserAccessToken? {
        try await cached(grantCache, refreshToken) { db in
            try Row.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT * FROM user_tokens WHERE refresh_token = ? ORDER BY issued_at DESC, rowid DESC LIMIT 1"
                ),
                arguments: [refreshToken]
            ).map(Self.userToken(from:))
        }
    }

    func revokeGrant(refreshToken: String, at time: Date) async throws {
        let revoked = try await write { db in
            // The grant is every token issued from the code of the token that refresh token names, so a refresh
            // token already rotated away (v2.0) still ends its successors.
            try Self.revokeUserTokens(
                db,
                where: "code = (SELECT code FROM user_tokens WHERE refresh_token = ? LIMIT 1)",
                [refreshToken],
                at: time
            )
        }
        forget(revoked)
        grantCache.remove([refreshToken])
    }

    func revokeGrants(issuedFromCode code: String, at time: Date) async throws {
        forget(try await write { db in try Self.revokeUserTokens(db, where: "code = ?", [code], at: time) })
    }

    func deauthorize(userID: String, channelID: String, at time: Date) async throws -> Bool {
        let (hadConsent, revoked, deletedCodes) = try await write { db in
            try db.cachedStatement(sql: "DELETE FROM consents WHERE user_id = ? AND channel_id = ?").execute(arguments: [userID, channelID])
            let hadConsent = db.changesCount > 0
            let deletedCodes = try String.fetchAll(
                try db.cachedStatement(
                    sql: "DELETE FROM authorization_codes WHERE user_id = ? AND channel_id = ? AND used_at IS NULL RETURNING code"
                ),
                arguments: [userID, channelID]
            )
            let revoked = try Self.revokeUserTokens(db, where: "user_id = ? AND channel_id = ?", [userID, channelID], at: time)
            return (hadConsent, revoked, deletedCodes)
        }
        forget(revoked)
        codeCache.remove(deletedCodes)
        return hadConsent || !revoked.isEmpty
    }

    /// Revokes the unrevoked user access tokens matching `condition`; returns them as (access, refresh) token pairs.
    private static func revokeUserTokens(
        _ db: Database,
        where condition: String,
        _ arguments: [String],
        at time: Date
    ) throws -> [(access: String, refresh: String)] {
        try Row.fetchAll(
            try db.cachedStatement(
                sql: "UPDATE user_tokens SET revoked_at = ? WHERE \(condition) AND revoked_at IS NULL RETURNING access_token, refresh_token"
            ),
            arguments: StatementArguments([time.timeIntervalSince1970] as [any DatabaseValueConvertible] + arguments)
        ).map { row in (row["access_token"], row["refresh_token"]) }
    }

    /// Drops revoked user access tokens (and their grants' newest tokens) from the caches.
    private func forget(_ revoked: [(access: String, refresh: String)]) {
        guard !revoked.isEmpty else { return }
        userTokenCache.remove(revoked.map(\.access))
        grantCache.remove(revoked.map(\.refresh))
    }

    // MARK: Channel access tokens

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
        try await database.read { db in
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
        try await database.read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM channel_keys WHERE kid = ?"), arguments: [keyID]).map(
                Self.channelKey(from:)
            )
        }
    }

    func channelKeys(channelID: String) async throws -> [ChannelKey] {
        try await database.read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM channel_keys WHERE channel_id = ? ORDER BY created_at"),
                arguments: [channelID]
            )
            .map(Self.channelKey(from:))
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
        try await database.read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM chats WHERE id = ?"), arguments: [id]).map(Self.chat(from:))
        }
    }

    func chats(kind: GroupChat.Kind) async throws -> [GroupChat] {
        try await database.read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM chats WHERE kind = ? ORDER BY position"),
                arguments: [kind.rawValue]
            )
            .map(Self.chat(from:))
        }
    }

    // MARK: Messages

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
                ).execute(arguments: [channelID, retryKey, acceptance.requestID, sent, messages.first?.sentAt.timeIntervalSince1970 ?? 0])
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
        try await database.read { db in
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

    func channelToken(_ accessToken: String) async throws -> ChannelAccessToken? {
        try await cached(channelTokenCache, accessToken) { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM channel_tokens WHERE access_token = ?"), arguments: [accessToken])
                .map(Self.channelToken(from:))
        }
    }

    // MARK: Housekeeping

    func secret(named name: String, make: @escaping @Sendable () -> Data) async throws -> Data {
        try await write { db in
            if let existing = try Data.fetchOne(try db.cachedStatement(sql: "SELECT value FROM secrets WHERE name = ?"), arguments: [name])
            {
                return existing
            }
            let value = make()
            try db.cachedStatement(sql: "INSERT INTO secrets (name, value) VALUES (?, ?)").execute(arguments: [name, value])
            return value
        }
    }

    func seed(_ seed: Seed) async throws {
        try await write { db in try Self.apply(seed, to: db) }
        userCache.remove(seed.users.map(\.userID))
        userListCache.removeAll()
        friendshipCache.removeAll()
    }

    func reset(to seed: Seed) async throws {
        try await write { db in
            for table in [
                "channels", "users", "consents", "friendships", "authorization_codes", "user_tokens", "channel_tokens", "channel_keys",
                "retry_keys", "messages", "consent_transactions", "chats",
            ] + Self.webhookStateTables {
                try db.execute(sql: "DELETE FROM \(table)")
            }
            try Self.apply(seed, to: db)
        }
        channelCache.withLock { $0.removeAll() }
        userTokenCache.removeAll()
        grantCache.removeAll()
        channelTokenCache.removeAll()
        userCache.removeAll()
        userListCache.removeAll()
        friendshipCache.removeAll()
        codeCache.removeAll()
    }

    // MARK: Rows

    private static func apply(_ seed: Seed, to db: Database) throws {
        for channel in seed.channels { _ = try insert(channel, into: db) }
        for user in seed.users { _ = try insert(user, into: db) }
        for friendship in seed.friendships {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO friendships (user_id, channel_id) VALUES (?, ?)").execute(arguments: [
                friendship.userID, friendship.channelID,
            ])
        }
        try applyWebhookSeed(seed, to: db)
    }

    private static func insert(_ channel: Channel, into db: Database) throws -> Bool {
        let callbacks = String(decoding: try JSONEncoder().encode(channel.callbackURLs), as: UTF8.self)
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO channels (id, secret, name, kind, app_type, callback_urls, email_permission, bot_linked, position)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM channels))
                """
        ).execute(arguments: [
            channel.channelID, channel.channelSecret, channel.name, channel.kind.rawValue, channel.appType.rawValue,
            callbacks, channel.emailPermission, false,
        ])
        return db.changesCount > 0
    }

    private static func insert(_ user: User, into db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO users (id, display_name, picture_url, status_message, email, position)
                VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM users))
                """
        ).execute(arguments: [user.userID, user.displayName, user.pictureURL, user.statusMessage, user.email])
        return db.changesCount > 0
    }

    private static func channel(from row: Row) -> Channel {
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

    private static func user(from row: Row) -> User {
        User(
            userID: row["id"],
            displayName: row["display_name"],
            pictureURL: row["picture_url"],
            statusMessage: row["status_message"],
            email: row["email"]
        )
    }

    private static func scopes(_ value: String) -> ScopeSet {
        ScopeSet(value.split(separator: " ").compactMap { ScopeSet.Scope(rawValue: String($0)) })
    }

    private static func date(_ value: Double) -> Date { Date(timeIntervalSince1970: value) }

    private static func consent(from row: Row) -> Consent {
        Consent(userID: row["user_id"], channelID: row["channel_id"], scopes: scopes(row["scopes"]), grantedAt: date(row["granted_at"]))
    }

    private static func code(from row: Row) -> AuthorizationCode {
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

    private static func userToken(from row: Row) -> UserAccessToken {
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

    private static func channelKey(from row: Row) -> ChannelKey {
        ChannelKey(
            keyID: row["kid"],
            channelID: row["channel_id"],
            modulus: row["modulus"],
            exponent: row["exponent"],
            createdAt: date(row["created_at"])
        )
    }

    private static func chat(from row: Row) -> GroupChat {
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

    private static func message(from row: Row) -> StoredMessage {
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

    private static func channelToken(from row: Row) -> ChannelAccessToken {
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
