import Foundation
import LineEmulator
import PostgresNIO

/// LINE Login: authorization codes, user access tokens and their grants.
extension PostgresStore {
    /// One statement, atomic on its own (no transaction round trips): the consent, when there is one, is written by
    /// a data-modifying `WITH` of the code's `INSERT` (``InsertCode``).
    func insertCode(_ code: AuthorizationCode, grantingConsent consent: Consent?) async throws {
        try await rows(InsertCode(code: code, consent: consent))
    }

    /// One statement (``DecideFormAndInsertCode``): of instances deciding one form at once, exactly one stores a code.
    func insertCode(
        _ code: AuthorizationCode,
        grantingConsent consent: Consent,
        decidingForm formID: String,
        validUntil: Date,
        now: Date
    ) async throws -> Bool {
        let statement = DecideFormAndInsertCode(code: code, consent: consent, formID: formID, validUntil: validUntil, now: now)
        return try await !rows(statement).isEmpty
    }

    func authorizationCode(_ code: String) async throws -> (code: AuthorizationCode, isUsed: Bool)? {
        guard let row = try await rows(SelectCode(key: code)).first else { return nil }
        return (try row.authorizationCode(), try row.value("used_at", as: Double?.self) != nil)
    }

    /// One statement (its `WITH` parts share one snapshot and commit together). The code row decides every race: one
    /// `UPDATE … WHERE used_at IS NULL` takes its row lock, so of instances redeeming one code at once the others wait,
    /// then find it used and update nothing. A deauthorize locks the user's codes for the channel before it deletes the
    /// unredeemed ones and revokes the tokens: if it comes first, the code is gone when this `UPDATE` reaches it (or the
    /// consent is, in this snapshot); if this comes first, the deauthorize waits for the row and then revokes the token
    /// stored here (its revoking `UPDATE` starts after this commits). When the `UPDATE` lost such a race, one more read
    /// tells a used code from a deleted one.
    func redeemCode(_ code: String, issuing token: UserAccessToken) async throws -> CodeRedemption {
        guard let row = try await rows(RedeemCode(code: code, token: token)).first else { return .unknown }
        let authorizationCode = try row.authorizationCode()
        if try row.value("used_at", as: Double?.self) != nil { return .alreadyUsed(authorizationCode) }
        guard try row.value("consented", as: Bool.self) else { return .consentWithdrawn }
        if try row.value("redeemed", as: Bool.self) { return .redeemed(authorizationCode) }
        // Another instance redeemed it, or a deauthorize deleted it, after this statement's snapshot was taken.
        let again = try await rows("SELECT code FROM authorization_codes WHERE code = \(code)")
        return again.isEmpty ? .unknown : .alreadyUsed(authorizationCode)
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

    /// One statement (``ConsumeConsentForm``): of instances deciding one form at once, exactly one inserts it.
    func consumeConsentTransaction(_ id: String, validUntil: Date, now: Date) async throws -> Bool {
        try await !rows(ConsumeConsentForm(id: id, validUntil: validUntil, now: now)).isEmpty
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
        try await rows(SelectUserToken(key: accessToken)).first?.userToken()
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

// MARK: Prepared statements of the login path

/// The code's row.
private struct SelectCode: KeyedStoreStatement {
    static let sql = "SELECT * FROM authorization_codes WHERE code = $1"
    var key: String
}

/// The token's row.
private struct SelectUserToken: KeyedStoreStatement {
    static let sql = "SELECT * FROM user_tokens WHERE access_token = $1"
    var key: String
}

/// The CTEs `expired` and `decided`: the consent form `form` recorded decided with `INSERT … ON CONFLICT DO NOTHING
/// RETURNING` (`decided` has its ID when this statement recorded it, no row when it was decided before), and a few
/// expired forms purged. The purge is bounded and ordered, so it is an index range scan whatever the planner knows of
/// the table, and it purges more per call than a call adds: the table keeps the last hour's forms only. The arguments
/// are the placeholders of the form's ID, its expiry and the time.
private func decidingForm(_ form: String, validUntil: String, now: String) -> String {
    """
    expired AS (
        DELETE FROM consent_transactions WHERE id IN (
            SELECT id FROM consent_transactions WHERE valid_until < \(now) ORDER BY valid_until LIMIT 16)
    ), decided AS (
        INSERT INTO consent_transactions (id, valid_until) VALUES (\(form), \(validUntil))
        ON CONFLICT (id) DO NOTHING RETURNING id
    )
    """
}

/// The consent of user `$4` to channel `$3` for the scopes `$13` at `$14`, inserted when `condition` (a `WHERE` or a
/// `FROM` clause) selects it. The union of the scopes is taken by the database, so two consents granted at once both
/// count.
private func grantingConsent(_ condition: String) -> String {
    """
    INSERT INTO consents (user_id, channel_id, scopes, granted_at)
    SELECT $4, $3, $13, $14 \(condition)
    ON CONFLICT (user_id, channel_id) DO UPDATE SET
        scopes = array_to_string(ARRAY(
            SELECT DISTINCT scope FROM unnest(string_to_array(consents.scopes, ' ') || string_to_array(excluded.scopes, ' ')) AS scope
            WHERE scope <> '' ORDER BY scope), ' '),
        granted_at = excluded.granted_at
    """
}

/// The code of `$1`…`$12`, inserted when `condition` (nothing, or a `FROM` clause) selects it.
private func insertingCode(_ condition: String) -> String {
    """
    INSERT INTO authorization_codes (code, version, channel_id, user_id, redirect_uri, scopes, nonce, code_challenge,
        auth_time, amr, issued_at, expires_at)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \(condition)
    """
}

/// `$1`…`$12`, the code's columns, then `$13` and `$14`, the consent's scopes and time (empty and 0 without one).
private func codeAndConsentBindings(_ code: AuthorizationCode, consent: Consent?, capacity: Int) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: capacity)
    bindings.append(code.code)
    bindings.append(code.version.rawValue)
    bindings.append(code.channelID)
    bindings.append(code.userID)
    bindings.append(code.redirectURI)
    bindings.append(code.scopes.storageValue)
    bindings.append(code.nonce)
    bindings.append(code.codeChallenge)
    bindings.append(code.authTime?.timeIntervalSince1970)
    bindings.append(code.amr.joined(separator: " "))
    bindings.append(code.issuedAt.timeIntervalSince1970)
    bindings.append(code.expiresAt.timeIntervalSince1970)
    bindings.append(consent?.scopes.storageValue ?? "")
    bindings.append(consent?.grantedAt.timeIntervalSince1970 ?? 0)
    return bindings
}

/// The code, and the consent in a data-modifying `WITH` when there is one (`$15`).
private struct InsertCode: StoreStatement {
    static let sql = """
        WITH granted AS (\(grantingConsent("WHERE $15")))
        \(insertingCode(""))
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .text, .text, .text, .text, .text, .text, .text, .float8, .text, .float8, .float8, .text, .float8, .bool,
    ]
    var code: AuthorizationCode
    var consent: Consent?

    func makeBindings() throws -> PostgresBindings {
        var bindings = codeAndConsentBindings(code, consent: consent, capacity: 15)
        bindings.append(consent != nil)
        return bindings
    }
}

/// The consent page's answer: the form (`$15`) recorded decided, as ``ConsumeConsentForm`` records it, and, only when
/// it was not decided before, the consent and the code. A second instance deciding the same form at once waits for
/// the first's row, then inserts nothing: no consent, no code, no row returned.
private struct DecideFormAndInsertCode: StoreStatement {
    static let sql = """
        WITH \(decidingForm("$15", validUntil: "$16", now: "$17")),
        granted AS (\(grantingConsent("FROM decided"))),
        stored AS (\(insertingCode("FROM decided")))
        SELECT id FROM decided
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .text, .text, .text, .text, .text, .text, .text, .float8, .text, .float8, .float8, .text, .float8, .text,
        .float8, .float8,
    ]
    var code: AuthorizationCode
    var consent: Consent
    var formID: String
    var validUntil: Date
    var now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = codeAndConsentBindings(code, consent: consent, capacity: 17)
        bindings.append(formID)
        bindings.append(validUntil.timeIntervalSince1970)
        bindings.append(now.timeIntervalSince1970)
        return bindings
    }
}

/// The code's row as this statement's snapshot has it, whether the consent is there, and whether this statement
/// redeemed it (then the token is stored): see ``PostgresStore/redeemCode(_:issuing:)``.
private struct RedeemCode: StoreStatement {
    static let sql = """
        WITH code AS (
            SELECT * FROM authorization_codes WHERE code = $1
        ), consented AS (
            SELECT 1 FROM consents, code WHERE consents.user_id = code.user_id AND consents.channel_id = code.channel_id
        ), redeemed AS (
            UPDATE authorization_codes SET used_at = $9
            WHERE code = $1 AND used_at IS NULL AND EXISTS (SELECT 1 FROM consented) RETURNING code
        ), stored AS (
            INSERT INTO user_tokens (access_token, refresh_token, version, channel_id, user_id, scopes, issued_at,
                expires_at, refresh_expires_at, revoked_at, code)
            SELECT $2, $3, $4, $5, $6, $7, $9, $10, $11, $8, redeemed.code FROM redeemed
        )
        SELECT code.*, EXISTS (SELECT 1 FROM consented) AS consented, EXISTS (SELECT 1 FROM redeemed) AS redeemed
        FROM code
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .text, .text, .text, .text, .text, .text, .float8, .float8, .float8, .float8,
    ]
    var code: String
    var token: UserAccessToken

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 11)
        bindings.append(code)
        bindings.append(token.accessToken)
        bindings.append(token.refreshToken)
        bindings.append(token.version.rawValue)
        bindings.append(token.channelID)
        bindings.append(token.userID)
        bindings.append(token.scopes.storageValue)
        bindings.append(token.revokedAt?.timeIntervalSince1970)
        bindings.append(token.issuedAt.timeIntervalSince1970)
        bindings.append(token.expiresAt.timeIntervalSince1970)
        bindings.append(token.refreshExpiresAt.timeIntervalSince1970)
        return bindings
    }
}

/// The form recorded decided (its ID returned, unless it was decided before), a few expired ones purged.
private struct ConsumeConsentForm: StoreStatement {
    static let sql = "WITH \(decidingForm("$1", validUntil: "$2", now: "$3")) SELECT id FROM decided"
    static let bindingDataTypes: [PostgresDataType] = [.text, .float8, .float8]
    var id: String
    var validUntil: Date
    var now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(id)
        bindings.append(validUntil.timeIntervalSince1970)
        bindings.append(now.timeIntervalSince1970)
        return bindings
    }
}
