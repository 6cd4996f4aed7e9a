import Foundation
import GRDB

/// LINE Login: authorization codes, consent transactions and user access tokens (grants).
extension SQLiteStore {
    func recentUserTokens(limit: Int) async throws -> [UserAccessToken] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM user_tokens ORDER BY issued_at DESC, rowid DESC LIMIT ?"),
                arguments: [limit]
            )
            .map(Self.userToken(from:))
        }
    }

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
            try Self.insert(code, in: db)
        }
        codeCache.store((code, false), for: code.code, ifGeneration: generation)
    }

    func insertCode(
        _ code: AuthorizationCode,
        grantingConsent consent: Consent,
        decidingForm formID: String,
        validUntil: Date,
        now: Date
    ) async throws -> Bool {
        let generation = codeCache.generation
        let inserted = try await write { db in
            guard try Self.decide(formID: formID, validUntil: validUntil, now: now, in: db) else { return false }
            try Self.grant(consent, in: db)
            try Self.insert(code, in: db)
            return true
        }
        if inserted { codeCache.store((code, false), for: code.code, ifGeneration: generation) }
        return inserted
    }

    private static func insert(_ code: AuthorizationCode, in db: Database) throws {
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
        try await write { db in try Self.decide(formID: id, validUntil: validUntil, now: now, in: db) }
    }

    /// Records the form decided (`false` if it was before), dropping the records that have expired.
    private static func decide(formID: String, validUntil: Date, now: Date, in db: Database) throws -> Bool {
        try db.cachedStatement(sql: "DELETE FROM consent_transactions WHERE valid_until < ?")
            .execute(arguments: [now.timeIntervalSince1970])
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO consent_transactions (id, valid_until) VALUES (?, ?)")
            .execute(arguments: [formID, validUntil.timeIntervalSince1970])
        return db.changesCount > 0
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
}
