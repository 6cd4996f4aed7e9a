import Foundation
import LineEmulator
import PostgresNIO

/// LINE Login: authorization codes, user access tokens and their grants.
extension PostgresStore {
    func insertCode(_ code: AuthorizationCode, grantingConsent consent: Consent?) async throws {
        try await transaction { transaction in
            if let consent {
                // The union of the scopes is taken by the database, so two consents granted at once both count.
                try await transaction.execute(
                    """
                    INSERT INTO consents (user_id, channel_id, scopes, granted_at)
                    VALUES (\(consent.userID), \(consent.channelID), \(consent.scopes.storageValue), \(consent.grantedAt.timeIntervalSince1970))
                    ON CONFLICT (user_id, channel_id) DO UPDATE SET
                        scopes = array_to_string(ARRAY(
                            SELECT DISTINCT scope FROM unnest(string_to_array(consents.scopes, ' ') || string_to_array(excluded.scopes, ' ')) AS scope
                            WHERE scope <> '' ORDER BY scope), ' '),
                        granted_at = excluded.granted_at
                    """
                )
            }
            try await transaction.execute(
                """
                INSERT INTO authorization_codes (code, version, channel_id, user_id, redirect_uri, scopes, nonce, code_challenge,
                    auth_time, amr, issued_at, expires_at)
                VALUES (\(code.code), \(code.version.rawValue), \(code.channelID), \(code.userID), \(code.redirectURI),
                    \(code.scopes.storageValue), \(code.nonce), \(code.codeChallenge), \(code.authTime?.timeIntervalSince1970),
                    \(code.amr.joined(separator: " ")), \(code.issuedAt.timeIntervalSince1970), \(code.expiresAt.timeIntervalSince1970))
                """
            )
        }
    }

    func authorizationCode(_ code: String) async throws -> (code: AuthorizationCode, isUsed: Bool)? {
        guard let row = try await rows("SELECT * FROM authorization_codes WHERE code = \(code)").first else { return nil }
        return (try row.authorizationCode(), try row.value("used_at", as: Double?.self) != nil)
    }

    /// Locks in the order every writer of grants uses (see ``deauthorize(userID:channelID:at:)``): the consent
    /// (shared), then the code. One `UPDATE … WHERE used_at IS NULL RETURNING` decides a race between redemptions: the
    /// row lock makes every other instance's update wait, then find the code used and update nothing. A deauthorize
    /// waits for the shared consent lock, so it revokes the token stored here; or it came first, and the consent is gone.
    func redeemCode(_ code: String, issuing token: UserAccessToken) async throws -> CodeRedemption {
        try await transaction { transaction in
            guard let row = try await transaction.rows("SELECT * FROM authorization_codes WHERE code = \(code)").first else {
                return .unknown
            }
            let authorizationCode = try row.authorizationCode()
            if try row.value("used_at", as: Double?.self) != nil { return .alreadyUsed(authorizationCode) }
            let consent = try await transaction.rows(
                """
                SELECT user_id FROM consents WHERE user_id = \(authorizationCode.userID) AND channel_id = \(authorizationCode.channelID)
                FOR SHARE
                """
            )
            guard !consent.isEmpty else { return .consentWithdrawn }
            let redeemed = try await transaction.rows(
                """
                UPDATE authorization_codes SET used_at = \(token.issuedAt.timeIntervalSince1970)
                WHERE code = \(code) AND used_at IS NULL RETURNING code
                """
            )
            guard redeemed.isEmpty else {
                try await transaction.execute(Self.insertQuery(token))
                return .redeemed(authorizationCode)
            }
            // Another instance redeemed it, or a deauthorize deleted it, since the first read.
            let again = try await transaction.rows("SELECT code FROM authorization_codes WHERE code = \(code)")
            return again.isEmpty ? .unknown : .alreadyUsed(authorizationCode)
        }
    }

    /// The grant's code row is the grant's lock: a refresh holds it shared while it checks and inserts, and every
    /// revocation holds it exclusively before it revokes, so a revocation either comes first (the refresh then finds
    /// the grant revoked) or waits and then revokes the refreshed token too. A v2.0 refresh, which revokes the refresh
    /// token it replaces, is a revocation too and holds the row exclusively: of two using one refresh token, one wins.
    func refreshGrant(issuing token: UserAccessToken, replacing oldRefreshToken: String?) async throws -> RefreshOutcome {
        try await transaction { transaction in
            let grant = oldRefreshToken ?? token.refreshToken
            let rotates = grant != token.refreshToken
            try await transaction.execute(
                rotates
                    ? "SELECT code FROM authorization_codes WHERE code = \(token.code) FOR UPDATE"
                    : "SELECT code FROM authorization_codes WHERE code = \(token.code) FOR SHARE"
            )
            guard
                let newest = try await transaction.rows(
                    """
                    SELECT revoked_at, refresh_expires_at FROM user_tokens WHERE refresh_token = \(grant)
                    ORDER BY issued_at DESC, seq DESC LIMIT 1
                    """
                ).first
            else {
                return .unknown
            }
            if try newest.optionalDate("revoked_at") != nil { return .revoked }
            guard token.issuedAt < (try newest.date("refresh_expires_at")) else { return .expired }
            try await transaction.execute(Self.insertQuery(token))
            if rotates {
                try await transaction.execute(
                    """
                    UPDATE user_tokens SET revoked_at = \(token.issuedAt.timeIntervalSince1970)
                    WHERE refresh_token = \(grant) AND revoked_at IS NULL
                    """
                )
            }
            return .refreshed
        }
    }

    /// `INSERT … ON CONFLICT DO NOTHING RETURNING`: of instances deciding one form at once, exactly one inserts.
    func consumeConsentTransaction(_ id: String, validUntil: Date, now: Date) async throws -> Bool {
        try await transaction { transaction in
            try await transaction.execute("DELETE FROM consent_transactions WHERE valid_until < \(now.timeIntervalSince1970)")
            return try await !transaction.rows(
                """
                INSERT INTO consent_transactions (id, valid_until) VALUES (\(id), \(validUntil.timeIntervalSince1970))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """
            ).isEmpty
        }
    }

    static func insertQuery(_ token: UserAccessToken) -> PostgresQuery {
        """
        INSERT INTO user_tokens (access_token, refresh_token, version, channel_id, user_id, scopes, issued_at, expires_at,
            refresh_expires_at, revoked_at, code)
        VALUES (\(token.accessToken), \(token.refreshToken), \(token.version.rawValue), \(token.channelID), \(token.userID),
            \(token.scopes.storageValue), \(token.issuedAt.timeIntervalSince1970), \(token.expiresAt.timeIntervalSince1970),
            \(token.refreshExpiresAt.timeIntervalSince1970), \(token.revokedAt?.timeIntervalSince1970), \(token.code))
        """
    }

    func userToken(accessToken: String) async throws -> UserAccessToken? {
        try await rows("SELECT * FROM user_tokens WHERE access_token = \(accessToken)").first?.userToken()
    }

    func userToken(refreshToken: String) async throws -> UserAccessToken? {
        try await rows(
            "SELECT * FROM user_tokens WHERE refresh_token = \(refreshToken) ORDER BY issued_at DESC, seq DESC LIMIT 1"
        ).first?.userToken()
    }

    /// The grant is every token issued from one code, whichever of its refresh tokens is presented (LINE Login v2.0
    /// rotates them). The code row, held exclusively as a rotating refresh holds it, orders this against refreshes:
    /// the `UPDATE` runs after the lock is granted, so it sees a token a refresh committed just before.
    func revokeGrant(refreshToken: String, at time: Date) async throws {
        try await transaction { transaction in
            let codes = try await transaction.rows(
                """
                SELECT code FROM authorization_codes
                WHERE code = (SELECT code FROM user_tokens WHERE refresh_token = \(refreshToken) LIMIT 1) FOR UPDATE
                """
            )
            guard let code = try codes.first?.value("code", as: String.self) else { return }
            try await transaction.execute(
                "UPDATE user_tokens SET revoked_at = \(time.timeIntervalSince1970) WHERE code = \(code) AND revoked_at IS NULL"
            )
        }
    }

    func revokeGrants(issuedFromCode code: String, at time: Date) async throws {
        try await transaction { transaction in
            try await transaction.execute("SELECT code FROM authorization_codes WHERE code = \(code) FOR UPDATE")
            try await transaction.execute(
                "UPDATE user_tokens SET revoked_at = \(time.timeIntervalSince1970) WHERE code = \(code) AND revoked_at IS NULL"
            )
        }
    }

    func recentUserTokens(limit: Int) async throws -> [UserAccessToken] {
        try await rows("SELECT * FROM user_tokens ORDER BY issued_at DESC, seq DESC LIMIT \(limit)").map { try $0.userToken() }
    }

    /// Locks in the order every writer of grants uses: the consent (deleted), then the user's codes for the channel
    /// (unredeemed ones deleted, redeemed ones held, which waits for refreshes in flight), then the tokens. Each
    /// statement sees what committed before it, so every token issued before this returns is revoked.
    func deauthorize(userID: String, channelID: String, at time: Date) async throws -> Bool {
        try await transaction { transaction in
            let consents = try await transaction.rows(
                "DELETE FROM consents WHERE user_id = \(userID) AND channel_id = \(channelID) RETURNING user_id"
            )
            try await transaction.execute(
                "SELECT code FROM authorization_codes WHERE user_id = \(userID) AND channel_id = \(channelID) ORDER BY code FOR UPDATE"
            )
            try await transaction.execute(
                "DELETE FROM authorization_codes WHERE user_id = \(userID) AND channel_id = \(channelID) AND used_at IS NULL"
            )
            let revoked = try await transaction.rows(
                """
                UPDATE user_tokens SET revoked_at = \(time.timeIntervalSince1970)
                WHERE user_id = \(userID) AND channel_id = \(channelID) AND revoked_at IS NULL RETURNING access_token
                """
            )
            return !consents.isEmpty || !revoked.isEmpty
        }
    }
}
