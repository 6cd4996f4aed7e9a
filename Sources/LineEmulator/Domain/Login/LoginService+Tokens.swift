import Foundation
import LineCore

/// The JSON bodies of the token endpoints, with LINE's field names.
struct TokenResponse: Encodable, Sendable {
    var access_token: String
    var expires_in: Int
    var id_token: String?
    var refresh_token: String
    var scope: String
    var token_type = "Bearer"
}

extension TokenResponse: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("access_token", access_token)
        writer.member("expires_in", expires_in)
        writer.member("id_token", ifPresent: id_token)
        writer.member("refresh_token", refresh_token)
        writer.member("scope", scope)
        writer.member("token_type", token_type)
        writer.endObject()
    }
}

/// The body of `GET /oauth2/v2.1/verify` and `POST /v2/oauth/verify`.
struct AccessTokenVerification: Encodable, Sendable {
    var scope: String
    var client_id: String
    var expires_in: Int
}

extension AccessTokenVerification: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("scope", scope)
        writer.member("client_id", client_id)
        writer.member("expires_in", expires_in)
        writer.endObject()
    }
}

extension LoginService {
    // MARK: Code exchange

    /// `POST /oauth2/v2.1/token` with `grant_type=authorization_code`.
    func exchangeCode(_ form: Parameters) async throws -> TokenResponse {
        try await exchange(form, version: .v2_1)
    }

    /// `POST /v2/oauth/accessToken` with `grant_type=authorization_code` (v2.0: every field required).
    func exchangeCodeV2(_ form: Parameters) async throws -> TokenResponse {
        for name in ["code", "redirect_uri", "client_id", "client_secret"] where form.nonEmpty(name) == nil {
            throw PlatformError.invalidRequest("some parameters missed or invalid")
        }
        return try await exchange(form, version: .v2_0)
    }

    private func exchange(_ form: Parameters, version: LoginVersion) async throws -> TokenResponse {
        guard let codeValue = form.nonEmpty("code") else { throw PlatformError.invalidRequest("code is required") }
        guard let redirectURI = form.nonEmpty("redirect_uri") else { throw PlatformError.invalidRequest("redirect_uri is required") }
        guard let clientID = form.nonEmpty("client_id") else { throw PlatformError.invalidRequest("client_id is required") }
        guard let channel = try await loginChannel(clientID) else { throw PlatformError.invalidClient("invalid client_id") }
        try authenticateClient(channel, secret: form["client_secret"], checkWhenPresent: version == .v2_0)
        let verifier = form.nonEmpty("code_verifier")
        if let verifier, !PKCE.isValidVerifier(verifier) {
            throw PlatformError.invalidRequest("code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]")
        }

        let now = clock.now
        let code = try await codeToRedeem(
            codeValue,
            channel: channel,
            version: version,
            redirectURI: redirectURI,
            verifier: verifier,
            now: now
        )

        let token = UserAccessToken(
            accessToken: makeAccessToken(channelID: channel.channelID, kind: "user"),
            refreshToken: Randomness.alphanumeric(32),
            version: version,
            channelID: channel.channelID,
            userID: code.userID,
            scopes: code.scopes,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(Self.accessTokenLifetime),
            refreshExpiresAt: now.addingTimeInterval(version == .v2_1 ? Self.refreshTokenLifetime : Self.v2RefreshTokenLifetime),
            revokedAt: nil,
            code: code.code
        )
        switch try await store.redeemCode(code.code, issuing: token) {
        case .redeemed:
            break
        case .alreadyUsed:
            try await store.revokeGrants(issuedFromCode: code.code, at: now)
            throw PlatformError.invalidGrant("authorization code has already been used")
        case .consentWithdrawn, .unknown:
            throw PlatformError.invalidGrant("invalid authorization code")
        }

        var idToken: String?
        if version == .v2_1, code.scopes.contains(.openid), let user = try await store.user(id: code.userID) {
            let useES256 = channel.appType == .native || (channel.appType == .webAndNative && form["id_token_key_type"] == "JWK")
            idToken = try makeIDToken(for: user, code: code, channel: channel, es256: useES256, now: now)
        }
        return TokenResponse(
            access_token: token.accessToken,
            expires_in: Int(Self.accessTokenLifetime),
            id_token: idToken,
            refresh_token: token.refreshToken,
            scope: version == .v2_1 ? code.scopes.responseValue : code.scopes.v2ResponseValue
        )
    }

    /// The code `value` names, when the request may redeem it; otherwise the error the token endpoint answers.
    ///
    /// A code this instance issued (``IssuedCodes``) that passes every check is returned without a read: whether it
    /// was redeemed or deleted meanwhile is what the redemption itself decides, with the same answers. Any other is read
    /// from the store and checked in LINE's order: an unknown code or another channel's, then a replay (which revokes
    /// what the code issued), then the version, the expiry, the redirect URI and PKCE.
    private func codeToRedeem(
        _ value: String,
        channel: Channel,
        version: LoginVersion,
        redirectURI: String,
        verifier: String?,
        now: Date
    ) async throws -> AuthorizationCode {
        if let issued = issuedCodes.take(value), issued.channelID == channel.channelID,
            (try? Self.check(issued, version: version, redirectURI: redirectURI, verifier: verifier, now: now)) != nil
        {
            return issued
        }
        guard let (code, isUsed) = try await store.authorizationCode(value) else {
            throw PlatformError.invalidGrant("invalid authorization code")
        }
        // Another client's code is unknown to this one: its replay must not revoke the first client's grant.
        guard code.channelID == channel.channelID else { throw PlatformError.invalidGrant("invalid authorization code") }
        if isUsed {
            try await store.revokeGrants(issuedFromCode: code.code, at: now)
            throw PlatformError.invalidGrant("authorization code has already been used")
        }
        try Self.check(code, version: version, redirectURI: redirectURI, verifier: verifier, now: now)
        return code
    }

    /// The checks of a code that does not depend on the store: its version, its expiry, the redirect URI, PKCE.
    private static func check(_ code: AuthorizationCode, version: LoginVersion, redirectURI: String, verifier: String?, now: Date) throws {
        guard code.version == version else {
            throw PlatformError.invalidGrant("authorization code was issued for LINE Login \(code.version.rawValue)")
        }
        guard now < code.expiresAt else { throw PlatformError.invalidGrant("authorization code expired") }
        guard code.redirectURI == redirectURI else { throw PlatformError.invalidGrant("redirect_uri does not match") }
        switch (code.codeChallenge, verifier) {
        case (nil, nil):
            break
        case (let challenge?, let verifier?):
            guard constantTimeEquals(PKCE.challenge(for: verifier), challenge) else {
                throw PlatformError.invalidGrant("code_verifier does not match the code_challenge")
            }
        case (_?, nil):
            throw PlatformError.invalidGrant("code_verifier is required")
        case (nil, _?):
            throw PlatformError.invalidGrant("code_verifier was sent but the authorization request had no code_challenge")
        }
    }

    // MARK: Refresh

    /// `POST /oauth2/v2.1/token` with `grant_type=refresh_token`: a new access token, the same refresh token.
    func refresh(_ form: Parameters) async throws -> TokenResponse {
        try await refresh(form, version: .v2_1, invalid: "invalid refresh token")
    }

    /// `POST /v2/oauth/accessToken` with `grant_type=refresh_token`.
    func refreshV2(_ form: Parameters) async throws -> TokenResponse {
        for name in ["refresh_token", "client_id", "client_secret"] where form.nonEmpty(name) == nil {
            throw PlatformError.invalidRequest("some parameters missed or invalid")
        }
        return try await refresh(form, version: .v2_0, invalid: "invalid refresh_token")
    }

    private func refresh(_ form: Parameters, version: LoginVersion, invalid: String) async throws -> TokenResponse {
        guard let refreshToken = form.nonEmpty("refresh_token") else { throw PlatformError.invalidRequest("refresh_token is required") }
        guard let clientID = form.nonEmpty("client_id") else { throw PlatformError.invalidRequest("client_id is required") }
        guard let channel = try await loginChannel(clientID) else { throw PlatformError.invalidClient("invalid client_id") }
        try authenticateClient(channel, secret: form["client_secret"], checkWhenPresent: version == .v2_0)

        let now = clock.now
        guard let latest = try await store.userToken(refreshToken: refreshToken), latest.revokedAt == nil,
            latest.channelID == channel.channelID, latest.version == version, now < latest.refreshExpiresAt
        else {
            throw PlatformError.invalidGrant(invalid)
        }
        var token = latest
        token.accessToken = makeAccessToken(channelID: channel.channelID, kind: "user")
        token.issuedAt = now
        token.expiresAt = now.addingTimeInterval(Self.accessTokenLifetime)
        var replaced: String?
        if version == .v2_0 {
            // v2.0 reference: a new refresh token, valid until 10 days after the new access token expires; the old
            // one (and the access tokens it named) ends in the same write.
            replaced = latest.refreshToken
            token.refreshToken = Randomness.alphanumeric(32)
            token.refreshExpiresAt = token.expiresAt.addingTimeInterval(Self.v2RefreshTokenLifetime - Self.accessTokenLifetime)
        }
        // The grant is checked again in the write: a revoke that raced the read above wins.
        guard try await store.refreshGrant(issuing: token, replacing: replaced) == .refreshed else {
            throw PlatformError.invalidGrant(invalid)
        }
        return TokenResponse(
            access_token: token.accessToken,
            expires_in: Int(Self.accessTokenLifetime),
            id_token: nil,
            refresh_token: token.refreshToken,
            scope: version == .v2_1 ? token.scopes.responseValue : token.scopes.v2ResponseValue
        )
    }

    // MARK: Verify and revoke

    /// Seconds left, as LINE reports them: whole seconds, at least 1 while the token is still valid.
    static func wholeSeconds(_ remaining: TimeInterval) -> Int {
        max(1, Int(remaining.rounded()))
    }

    /// `GET /oauth2/v2.1/verify?access_token=…` for a LINE Login v2.1 user access token.
    func verifyAccessToken(_ parameters: Parameters) async throws -> AccessTokenVerification {
        guard parameters.repeatedNames.isEmpty else { throw PlatformError.invalidRequest("access_token must not be repeated") }
        guard let accessToken = parameters.nonEmpty("access_token") else { throw PlatformError.invalidRequest("access_token is required") }
        guard Self.looksLikeJWS(accessToken) else { throw PlatformError.invalidRequest("The access token not JWS") }
        guard let token = try await store.userToken(accessToken: accessToken), token.version == .v2_1 else {
            throw PlatformError.invalidRequest("The access token malformed")
        }
        if token.revokedAt != nil { throw PlatformError.invalidRequest("The access token revoked") }
        let remaining = token.expiresAt.timeIntervalSince(clock.now)
        guard remaining > 0 else { throw PlatformError.invalidRequest("The access token expired") }
        return AccessTokenVerification(
            scope: token.scopes.responseValue,
            client_id: token.channelID,
            expires_in: Self.wholeSeconds(remaining)
        )
    }

    /// `POST /v2/oauth/verify` for a LINE Login v2.0 access token.
    func verifyAccessTokenV2(_ form: Parameters) async throws -> AccessTokenVerification {
        guard let accessToken = form.nonEmpty("access_token") else { throw PlatformError.invalidRequest("access_token is required") }
        let now = clock.now
        guard let token = try await store.userToken(accessToken: accessToken), token.version == .v2_0, token.revokedAt == nil,
            now < token.expiresAt
        else {
            throw PlatformError.invalidRequest("access_token invalid")
        }
        return AccessTokenVerification(
            scope: "P",
            client_id: token.channelID,
            expires_in: Self.wholeSeconds(token.expiresAt.timeIntervalSince(now))
        )
    }

    /// `POST /oauth2/v2.1/revoke`: ends the grant of a user access token (or refresh token, as LINE's iOS SDK sends).
    ///
    /// Unknown and already revoked tokens are not an error (RFC 7009); a token of another channel is.
    func revoke(_ form: Parameters) async throws {
        guard let clientID = form.nonEmpty("client_id") else { throw PlatformError.invalidRequest("client_id is required") }
        guard let channel = try await loginChannel(clientID) else { throw PlatformError.invalidClient("invalid client_id") }
        try authenticateClient(channel, secret: form["client_secret"], checkWhenPresent: false)
        let token: UserAccessToken?
        if let accessToken = form.nonEmpty("access_token") {
            token = try await store.userToken(accessToken: accessToken)
        } else if let refreshToken = form.nonEmpty("refresh_token") {
            token = try await store.userToken(refreshToken: refreshToken)
        } else {
            throw PlatformError.invalidRequest("access_token is required")
        }
        guard let token else { return }
        guard token.channelID == channel.channelID else {
            throw PlatformError.invalidRequest("the access token was not issued to this client_id")
        }
        try await store.revokeGrant(refreshToken: token.refreshToken, at: clock.now)
    }

    /// `POST /v2/oauth/revoke` with a v2.0 refresh token (or access token): ends the grant. Unknown tokens are ignored.
    func revokeV2(_ form: Parameters) async throws {
        let token: UserAccessToken?
        if let refreshToken = form.nonEmpty("refresh_token") {
            token = try await store.userToken(refreshToken: refreshToken)
        } else if let accessToken = form.nonEmpty("access_token") {
            token = try await store.userToken(accessToken: accessToken)
        } else {
            throw PlatformError.invalidRequest("refresh_token is required")
        }
        guard let token, token.version == .v2_0 else { return }
        try await store.revokeGrant(refreshToken: token.refreshToken, at: clock.now)
    }
}
