import Foundation
import HTTPTypes
import LineCore
import Logging

/// Tokens from a code exchange or a refresh.
public struct LoginTokens: Sendable, Decodable, Equatable {
    /// The user's access token, for the user APIs (`profile`, `userinfo`, friendship status).
    public var accessToken: String
    /// Seconds the access token lives (30 days).
    public var expiresIn: Int
    /// Only when `openid` was granted, and never on a refresh.
    public var idToken: String?
    /// The refresh token: a new access token without the user, for 90 days from the first issue.
    public var refreshToken: String
    /// Granted scopes, space-separated (LINE never lists `email` here).
    public var scope: String
    /// `Bearer`.
    public var tokenType: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case idToken = "id_token"
        case refreshToken = "refresh_token"
        case scope
        case tokenType = "token_type"
    }
}

/// The result of verifying an access token.
public struct AccessTokenInfo: Sendable, Decodable, Equatable {
    /// The token's scopes, space-separated.
    public var scope: String
    /// The channel the token was issued to.
    public var clientID: String
    /// Seconds the token has left.
    public var expiresIn: Int

    enum CodingKeys: String, CodingKey {
        case scope
        case clientID = "client_id"
        case expiresIn = "expires_in"
    }
}

/// `GET /v2/profile`.
public struct Profile: Sendable, Decodable, Equatable {
    /// `userId`: the user's ID for this provider.
    public var userID: String
    /// `displayName`: the user's display name.
    public var displayName: String
    /// `pictureUrl`: the profile image's URL, if the user has one.
    public var pictureURL: String?
    /// `statusMessage`: the status message, if the user has one.
    public var statusMessage: String?

    enum CodingKeys: String, CodingKey {
        case userID = "userId"
        case displayName
        case pictureURL = "pictureUrl"
        case statusMessage
    }
}

/// `GET /oauth2/v2.1/userinfo`.
public struct UserInfo: Sendable, Decodable, Equatable {
    /// `sub`: the user's ID for this provider.
    public var userID: String
    /// `name`: the display name.
    public var name: String?
    /// `picture`: the profile image's URL.
    public var pictureURL: String?

    enum CodingKeys: String, CodingKey {
        case userID = "sub"
        case name
        case pictureURL = "picture"
    }
}

/// A LINE Login client for one channel: authorization URLs, callbacks, tokens, ID tokens and the user APIs.
///
/// ```swift
/// let login = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: secret, api: api))
/// let redirect = try login.authorizationRedirect(redirectURI: "https://example.com/callback", scopes: [.profile, .openid])
/// // store redirect.pending (e.g. SealedAuthorization(key:).seal(...) in a cookie), send the browser to redirect.url
/// ```
public struct LineLoginClient: Sendable {
    /// The credential, API client and logger the client was made with.
    public let configuration: LineLoginConfiguration
    /// Where guideline log records go: the configuration's logger, or the API client's.
    public let logger: Logger?
    let jwks: JWKSCache
    let channelKey: ChannelSecretKey?

    /// A client for the channel `configuration` names.
    ///
    /// - Parameter configuration: the channel's credential (``LineLoginConfiguration/web(channelID:channelSecret:api:logger:)``
    ///   or ``LineLoginConfiguration/native(channelID:api:logger:)``), the API client and the logger.
    public init(configuration: LineLoginConfiguration) {
        self.configuration = configuration
        logger = configuration.logger ?? configuration.api.configuration.logger
        jwks = JWKSCache(api: configuration.api)
        channelKey = configuration.credential.channelSecret.map(ChannelSecretKey.init)
    }

    /// The channel ID.
    public var channelID: String { configuration.credential.channelID }
    /// The client requests go through.
    public var api: LineAPIClient { configuration.api }
    /// The web channel's secret; `nil` for a native channel.
    var channelSecret: String? { configuration.credential.channelSecret }

    // MARK: Authorization

    /// A v2.1 authorization URL with a fresh `state`, a `nonce` (with `openid`) and, by default, PKCE.
    ///
    /// - Parameters:
    ///   - redirectURI: the callback URL, registered on the channel.
    ///   - scopes: what to ask for; `profile` or `openid` at least, and `email` only with `openid`.
    ///   - options: LINE's optional parameters.
    ///   - now: the time recorded in the pending authorization.
    /// - Returns: the URL to redirect the browser to, and what the callback needs.
    /// - Throws: ``LoginError`` with code ``LoginError/Code/invalidScopes`` when `scopes` has neither `profile` nor
    ///   `openid`, or `email` without `openid`.
    public func authorizationRedirect(
        redirectURI: String,
        scopes: [Scope],
        options: AuthorizationOptions = AuthorizationOptions(),
        now: Date = Date()
    ) throws -> AuthorizationRedirect {
        guard scopes.contains(.profile) || scopes.contains(.openid), !scopes.contains(.email) || scopes.contains(.openid) else {
            throw LoginError.invalidScopes
        }
        let ordered = Scope.allCases.filter(scopes.contains)
        let state = RandomToken.make()
        let nonce = ordered.contains(.openid) ? RandomToken.make() : nil
        let pkce = options.usePKCE ? PKCEPair.generate() : nil
        var query: [(String, String)] = [
            ("response_type", "code"), ("client_id", channelID), ("redirect_uri", redirectURI), ("state", state),
            ("scope", ordered.map(\.rawValue).joined(separator: " ")),
        ]
        if let nonce { query.append(("nonce", nonce)) }
        if let pkce { query += [("code_challenge", pkce.challenge), ("code_challenge_method", "S256")] }
        if let prompt = options.prompt.parameterValue { query.append(("prompt", prompt)) }
        if let maxAge = options.maxAge { query.append(("max_age", String(maxAge))) }
        if !options.uiLocales.isEmpty { query.append(("ui_locales", options.uiLocales.joined(separator: " "))) }
        if let botPrompt = options.botPrompt { query.append(("bot_prompt", botPrompt.rawValue)) }
        if options.showQRCodeFirst { query.append(("initial_amr_display", "lineqr")) }
        if !options.allowSwitchingLoginMethod { query.append(("switch_amr", "false")) }
        if options.disableAutoLogin { query.append(("disable_auto_login", "true")) }
        if options.disableIOSAutoLogin { query.append(("disable_ios_auto_login", "true")) }
        if options.responseMode != .query { query.append(("response_mode", options.responseMode.rawValue)) }
        let url = URL(string: api.endpoints.authorization("/oauth2/v2.1/authorize").absoluteString + "?" + FormEncoding.encode(query))!
        if let logger {
            logger.info(
                "LINE authorization request",
                metadata: ["line.row": .string(GuidelineLog.authorizationRequestRow(time: now, url: url))]
            )
        }
        let pending = PendingAuthorization(
            version: .v2_1,
            state: state,
            nonce: nonce,
            codeVerifier: pkce?.verifier,
            redirectURI: redirectURI,
            scopes: ordered,
            maxAge: options.maxAge,
            createdAt: now,
            responseMode: options.responseMode == .query ? nil : options.responseMode
        )
        return AuthorizationRedirect(url: url, pending: pending)
    }

    /// A LINE Login v2.0 authorization URL (deprecated by LINE; profile only, no PKCE, no ID token).
    public func authorizationRedirectV2(redirectURI: String, now: Date = Date()) -> AuthorizationRedirect {
        let state = RandomToken.make()
        let query = FormEncoding.encode([
            ("response_type", "code"), ("client_id", channelID), ("redirect_uri", redirectURI), ("state", state),
        ])
        let url = URL(string: api.endpoints.authorization("/dialog/oauth/weblogin").absoluteString + "?" + query)!
        let pending = PendingAuthorization(
            version: .v2_0,
            state: state,
            nonce: nil,
            codeVerifier: nil,
            redirectURI: redirectURI,
            scopes: [.profile],
            maxAge: nil,
            createdAt: now
        )
        return AuthorizationRedirect(url: url, pending: pending)
    }

    /// Parses the callback and logs it as the guidelines recommend (time, method, path and query).
    ///
    /// With a JWT response mode (or whenever a `response` parameter arrives) the parameters are taken from the
    /// `response` JWT after checking its HS256 signature with the channel secret, `iss`, `aud` and `exp`; then `state`
    /// is checked as usual. For `form_post` modes pass the POST body as `pathAndQuery`.
    public func handleCallback(
        method: String = "GET",
        pathAndQuery: String,
        pending: PendingAuthorization,
        now: Date = Date(),
        issuer: String = "https://access.line.me"
    ) async -> CallbackOutcome {
        logger?.info(
            "LINE authorization response",
            metadata: ["line.row": .string(GuidelineLog.callbackRow(time: now, method: method, pathAndQuery: pathAndQuery))]
        )
        let query = pathAndQuery.firstIndex(of: "?").map { String(pathAndQuery[pathAndQuery.index(after: $0)...]) } ?? pathAndQuery
        var parameters = Callback.parameters(query)
        if parameters["response"] != nil || pending.responseMode?.isJWT == true {
            guard let jwt = parameters["response"] else { return .invalidResponseJWT(.malformed) }
            guard let channelKey else { return .invalidResponseJWT(.unexpectedAlgorithm) }
            let verifier = ResponseJWTVerifier(channelID: channelID, channelKey: channelKey, issuer: issuer)
            do {
                parameters = try await verifier.parameters(of: jwt, now: now)
            } catch {
                return .invalidResponseJWT(error.idTokenFailure ?? .malformed)
            }
        }
        return Callback.parse(parameters, expecting: pending)
    }

    // MARK: Tokens

    /// Exchanges a code (v2.1, or v2.0 when `pending` is v2.0). Never retried: a code is single use.
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached (an expired, used or
    ///   foreign code is `.http` 400 with `error` `invalid_grant`).
    public func exchange(code: String, pending: PendingAuthorization) async throws -> LineResponse<LoginTokens> {
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", pending.redirectURI), ("client_id", channelID),
        ]
        if let channelSecret { fields.append(("client_secret", channelSecret)) }
        if let verifier = pending.codeVerifier { fields.append(("code_verifier", verifier)) }
        let path = pending.version == .v2_1 ? "/oauth2/v2.1/token" : "/v2/oauth/accessToken"
        return try api.decode(LoginTokens.self, from: try await api.postForm(path, fields))
    }

    /// A new access token for a refresh token (the same refresh token comes back; its 90 days are not extended).
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    public func refresh(_ refreshToken: String, version: PendingAuthorization.Version = .v2_1) async throws -> LineResponse<LoginTokens> {
        var fields = [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", channelID)]
        if let channelSecret { fields.append(("client_secret", channelSecret)) }
        let path = version == .v2_1 ? "/oauth2/v2.1/token" : "/v2/oauth/accessToken"
        return try api.decode(LoginTokens.self, from: try await api.postForm(path, fields))
    }

    /// Verifies an access token and checks, as LINE asks, that it belongs to this channel and has time left.
    ///
    /// - Throws: ``LoginError`` with code ``LoginError/Code/tokenForAnotherChannel`` or
    ///   ``LoginError/Code/tokenExpired``; `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    public func verify(accessToken: String) async throws -> LineResponse<AccessTokenInfo> {
        let info = try api.decode(
            AccessTokenInfo.self,
            from: try await api.get("/oauth2/v2.1/verify", query: [("access_token", accessToken)])
        )
        guard info.value.clientID == channelID else { throw LoginError.tokenForAnotherChannel(clientID: info.value.clientID) }
        guard info.value.expiresIn > 0 else { throw LoginError.tokenExpired }
        return info
    }

    /// Revokes an access token (and with it the grant).
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    @discardableResult
    public func revoke(accessToken: String) async throws -> LineResponse<Void> {
        var fields = [("access_token", accessToken), ("client_id", channelID)]
        if let channelSecret { fields.append(("client_secret", channelSecret)) }
        let response = try await api.postForm("/oauth2/v2.1/revoke", fields, idempotent: true)
        return LineResponse(value: (), requestID: response.requestID, status: response.status)
    }

    /// v2.0: revokes a grant by its refresh token.
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    @discardableResult
    public func revokeV2(refreshToken: String) async throws -> LineResponse<Void> {
        let response = try await api.postForm("/v2/oauth/revoke", [("refresh_token", refreshToken)], idempotent: true)
        return LineResponse(value: (), requestID: response.requestID, status: response.status)
    }

    // MARK: ID tokens

    /// Verifies an ID token locally: HS256 with the channel secret for a web channel, ES256 with LINE's JWKS for a
    /// native one (pass `algorithms` to choose).
    ///
    /// - Parameters:
    ///   - idToken: the ID token from the code exchange.
    ///   - expectations: the nonce (and optionally the user and `max_age`) the token must match.
    ///   - algorithms: the algorithms to accept; by default HS256 for a web channel, ES256 for a native one.
    ///   - issuer: the expected `iss`.
    ///   - now: the time `exp` and `iat` are checked against.
    /// - Returns: the verified claims.
    /// - Throws: ``LoginError`` with code ``LoginError/Code/invalidIDToken`` and the failed check
    ///   (``IDTokenFailure``); the JWKS fetch's `LineAPIError` when LINE's keys could not be fetched.
    public func verifyIDToken(
        _ idToken: String,
        expecting expectations: IDTokenExpectations,
        algorithms: Set<IDTokenVerifier.Algorithm>? = nil,
        issuer: String = "https://access.line.me",
        now: Date = Date()
    ) async throws -> IDTokenClaims {
        let allowed: Set<IDTokenVerifier.Algorithm>
        switch configuration.credential {
        case .web: allowed = algorithms ?? [.hs256]
        case .native: allowed = algorithms ?? [.es256]
        }
        var verifier = IDTokenVerifier(
            channelID: channelID,
            channelSecret: nil,
            allowedAlgorithms: allowed,
            jwks: jwks,
            issuer: issuer
        )
        // The client's own HS256 key, so that jwt-kit's key collection is filled once per client, not per token.
        verifier.channelKey = channelKey
        return try await verifier.verify(idToken, expecting: expectations, now: now)
    }

    /// Asks LINE to verify an ID token (`POST /oauth2/v2.1/verify`).
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached (a token that fails LINE's checks is `.http` 400 with LINE's
    ///   `error_description`).
    public func verifyIDTokenRemotely(_ idToken: String, nonce: String?, userID: String? = nil) async throws -> LineResponse<IDTokenClaims>
    {
        var fields = [("id_token", idToken), ("client_id", channelID)]
        if let nonce { fields.append(("nonce", nonce)) }
        if let userID { fields.append(("user_id", userID)) }
        return try api.decode(IDTokenClaims.self, from: try await api.postForm("/oauth2/v2.1/verify", fields, idempotent: true))
    }

    // MARK: User APIs

    /// The user's profile: user ID, display name, picture and status message (`GET /v2/profile`).
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    public func profile(accessToken: String) async throws -> LineResponse<Profile> {
        try api.decode(Profile.self, from: try await api.get("/v2/profile", bearer: accessToken))
    }

    /// The OpenID Connect user info (`GET /oauth2/v2.1/userinfo`); needs the `openid` scope.
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    public func userInfo(accessToken: String) async throws -> LineResponse<UserInfo> {
        try api.decode(UserInfo.self, from: try await api.get("/oauth2/v2.1/userinfo", bearer: accessToken))
    }

    /// Whether the user is a friend of (and has not blocked) the channel's LINE Official Account.
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    public func friendship(accessToken: String) async throws -> LineResponse<Bool> {
        struct Flag: Decodable, Sendable { var friendFlag: Bool }
        let flag = try api.decode(Flag.self, from: try await api.get("/friendship/v1/status", bearer: accessToken))
        return LineResponse(value: flag.value.friendFlag, requestID: flag.requestID, status: flag.status)
    }

    /// `POST /user/v1/deauthorize`: removes the app from the user's authorized apps. `channelAccessToken` must be a
    /// v2.1 or stateless token of this channel.
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached.
    @discardableResult
    public func deauthorize(userAccessToken: String, channelAccessToken: String) async throws -> LineResponse<Void> {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.authorization] = "Bearer \(channelAccessToken)"
        let body = try JSONSerialization.data(withJSONObject: ["userAccessToken": userAccessToken])
        let request = LineHTTPRequest(method: .post, url: api.endpoints.api("/user/v1/deauthorize"), headers: headers, body: body)
        let response = try await api.send(request, idempotent: false)
        return LineResponse(value: (), requestID: response.requestID, status: response.status)
    }

    /// The outcome of `unregister`.
    public enum UnregisterOutcome: Sendable, Equatable {
        /// The app was removed from the user's authorized apps.
        case deauthorized(requestID: String?)
        /// LINE answered 400 "invalid token": the user (or the app) had already ended the link.
        case alreadyDeauthorized(requestID: String?)
    }

    /// The flow LINE's guidelines require when a user unregisters from the app: deauthorize on the user's behalf, and
    /// log it. Show the user the notice that LINE's operator is notified and the link is ended.
    ///
    /// - Throws: `LineAPIError` when LINE refuses the request (`.http` with its status and error) or cannot be reached, except LINE's 400 `invalid token`, which is
    ///   ``UnregisterOutcome/alreadyDeauthorized(requestID:)``.
    public func unregister(userAccessToken: String, channelAccessToken: String) async throws -> UnregisterOutcome {
        do {
            let response = try await deauthorize(userAccessToken: userAccessToken, channelAccessToken: channelAccessToken)
            logger?.notice(
                "unregistered a user: the app was deauthorized",
                metadata: [GuidelineLog.requestIDKey: .string(response.requestID ?? "-")]
            )
            return .deauthorized(requestID: response.requestID)
        } catch let error as LineAPIError where error.status == 400 && error.message == "invalid token" {
            logger?.notice(
                "unregister: the app was already deauthorized",
                metadata: [GuidelineLog.requestIDKey: .string(error.requestID ?? "-")]
            )
            return .alreadyDeauthorized(requestID: error.requestID)
        }
    }

    /// The notice LINE's guidelines require near the unregister function or in the terms.
    public static let unregisterNotice =
        "When you unregister, we deauthorize this app on your behalf: LY Corporation, the operator of LINE, is notified, and the link between your LINE account and this app ends."
}
