import Crypto
import Foundation
import HTTPTypes
import LineCore

/// LINE Login for a server-rendered web app, independent of the web framework: the redirect to LINE (with the pending
/// authorization sealed in a cookie), and the callback that checks state, exchanges the code, verifies the ID token
/// with its nonce, and returns a ``LineIdentity``. `LineLoginHummingbird` and `LineLoginVapor` are built on it.
public struct WebLogin: Sendable {
    /// The LINE Login client that exchanges the code and verifies the ID token.
    public let client: LineLoginClient
    /// The callback URL registered on the channel, e.g. `https://example.com/auth/line/callback`.
    public var callbackURL: String
    /// The scopes asked for.
    public var scopes: [Scope]
    /// The other authorization request parameters (prompt, bot prompt, response mode, …).
    public var options: AuthorizationOptions
    /// Whether to fetch `GET /v2/profile` after the login (when `profile` was requested).
    public var fetchProfile: Bool
    /// Seals the pending authorization into its cookie (and sets its lifetime).
    public var pendingSealer: SealedAuthorization
    /// Seals the identity into the default session cookie.
    public var sessionSealer: SealedIdentity
    /// The cookie that carries the pending authorization between the redirect and the callback.
    public var pendingCookieName: String
    /// The default session cookie.
    public var sessionCookieName: String
    /// The integrations' clock (tests move it to expire a pending authorization).
    public var now: @Sendable () -> Date = { Date() }

    /// - Parameters:
    ///   - client: the LINE Login client of the channel (a web channel, with its secret).
    ///   - callbackURL: the callback URL registered on the channel.
    ///   - key: 256 bits, the same on every instance of the app; seals the pending authorization and the session.
    ///   - scopes: the scopes to ask for. Default `profile` and `openid`.
    ///   - options: the other authorization request parameters.
    ///   - fetchProfile: whether to fetch the profile after the login. Default `true`.
    ///   - pendingLifetime: how long a login may take from redirect to callback, in seconds. Default 600.
    ///   - sessionLifetime: how long the session cookie lasts, in seconds. Default 7 days.
    ///   - pendingCookieName: the pending authorization's cookie. Default `line_login_pending`.
    ///   - sessionCookieName: the session cookie. Default `line_session`.
    public init(
        client: LineLoginClient,
        callbackURL: String,
        key: SymmetricKey,
        scopes: [Scope] = [.profile, .openid],
        options: AuthorizationOptions = AuthorizationOptions(),
        fetchProfile: Bool = true,
        pendingLifetime: TimeInterval = 600,
        sessionLifetime: TimeInterval = 7 * 24 * 3600,
        pendingCookieName: String = "line_login_pending",
        sessionCookieName: String = "line_session"
    ) {
        self.client = client
        self.callbackURL = callbackURL
        self.scopes = scopes
        self.options = options
        self.fetchProfile = fetchProfile
        pendingSealer = SealedAuthorization(key: key, lifetime: pendingLifetime)
        sessionSealer = SealedIdentity(key: key, lifetime: sessionLifetime)
        self.pendingCookieName = pendingCookieName
        self.sessionCookieName = sessionCookieName
    }

    /// The path of ``callbackURL`` (what the router serves).
    public var callbackPath: String { URLComponents(string: callbackURL)?.path ?? "/callback" }

    /// Cookies are `Secure` when the app is served over https.
    var secureCookies: Bool { callbackURL.lowercased().hasPrefix("https:") }

    /// Starts a login: the URL to redirect the browser to, and the cookie to set with that redirect.
    ///
    /// - Parameter now: the time the pending authorization starts.
    /// - Throws: when the authorization request or the pending cookie cannot be built (`LoginError`).
    public func start(now: Date = Date()) throws -> (url: URL, pendingCookie: WebLoginCookie) {
        let redirect = try client.authorizationRedirect(redirectURI: callbackURL, scopes: scopes, options: options, now: now)
        let cookie = WebLoginCookie(
            name: pendingCookieName,
            value: try pendingSealer.seal(redirect.pending),
            maxAge: Int(pendingSealer.lifetime),
            path: callbackPath,
            secure: secureCookies,
            sameSite: options.responseMode.isFormPost ? .none : .lax
        )
        return (redirect.url, cookie)
    }

    /// Finishes a login from the callback request (`GET`, or `POST` for `form_post`) and the pending-authorization
    /// cookie's value. Every failure is a ``WebLoginFailure``.
    ///
    /// - Parameters:
    ///   - request: the callback request.
    ///   - body: its body (for `form_post`).
    ///   - pendingCookie: the pending-authorization cookie's value, if the browser sent it.
    ///   - now: the time of the callback.
    /// - Throws: ``WebLoginFailure`` saying why the login failed.
    public func finish(_ request: HTTPRequest, body: [UInt8] = [], pendingCookie: String?, now: Date = Date()) async throws(WebLoginFailure)
        -> LineIdentity
    {
        guard let pendingCookie else { throw WebLoginFailure(code: .missingPendingAuthorization) }
        let pending: PendingAuthorization
        do {
            pending = try pendingSealer.open(pendingCookie, now: now)
        } catch {
            throw WebLoginFailure(code: .expiredPendingAuthorization)
        }
        switch await client.handleCallback(request, body: body, pending: pending, now: now) {
        case .stateMismatch:
            throw WebLoginFailure(code: .stateMismatch)
        case .invalidResponseJWT(let failure):
            throw WebLoginFailure(code: .invalidResponseJWT, idTokenFailure: failure)
        case .denied(let description):
            throw WebLoginFailure(code: .cancelled, detail: description)
        case .failed(let error, let description):
            throw WebLoginFailure(code: .authorizationError, detail: description, authorizationError: error)
        case .authorized(let code, let friendshipStatusChanged):
            do {
                return try await identity(code: code, pending: pending, friendshipStatusChanged: friendshipStatusChanged, now: now)
            } catch let error as LineAPIError {
                throw WebLoginFailure(code: .lineAPI, detail: error.errorDescription ?? error.message, lineAPIError: error)
            } catch let error as LoginError where error.code == .invalidIDToken {
                throw WebLoginFailure(code: .invalidIDToken, idTokenFailure: error.idTokenFailure)
            } catch {
                throw WebLoginFailure(code: .lineAPI, detail: String(describing: error), lineAPIError: LineAPIError(code: .invalidResponse))
            }
        }
    }

    private func identity(code: String, pending: PendingAuthorization, friendshipStatusChanged: Bool?, now: Date) async throws
        -> LineIdentity
    {
        let tokens = try await client.exchange(code: code, pending: pending).value
        var claims: IDTokenClaims?
        if let idToken = tokens.idToken {
            claims = try await client.verifyIDToken(idToken, expecting: IDTokenExpectations(pending: pending), now: now)
        } else if pending.nonce != nil {
            throw LoginError.invalidIDToken(.missingNonce)
        }
        let wantsProfile = fetchProfile && pending.scopes.contains(.profile)
        let profile = wantsProfile ? LineProfile(try await client.profile(accessToken: tokens.accessToken).value) : nil
        guard let userID = claims?.subject ?? profile?.userID else { throw LoginError.invalidIDToken(.malformed) }
        return LineIdentity(
            userID: userID,
            claims: claims,
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            accessTokenExpiresAt: now.addingTimeInterval(TimeInterval(tokens.expiresIn)),
            scope: tokens.scope,
            profile: profile,
            friendshipStatusChanged: friendshipStatusChanged,
            authenticatedAt: now
        )
    }

    /// The session cookie that keeps `identity` (the integrations' default session).
    ///
    /// - Parameter identity: the identity to keep.
    /// - Throws: when the identity cannot be sealed (`LoginError`, or its encoding error).
    public func sessionCookie(for identity: LineIdentity) throws -> WebLoginCookie {
        WebLoginCookie(
            name: sessionCookieName,
            value: try sessionSealer.seal(identity),
            maxAge: Int(sessionSealer.lifetime),
            path: "/",
            secure: secureCookies
        )
    }

    /// The identity in the session cookie's value, if it is genuine and not lapsed.
    ///
    /// - Parameters:
    ///   - sessionCookie: the session cookie's value, if the browser sent it.
    ///   - now: the time to check the session's lifetime against.
    public func identity(sessionCookie: String?, now: Date = Date()) -> LineIdentity? {
        sessionCookie.flatMap { sessionSealer.open($0, now: now) }
    }

    /// A cookie that deletes the cookie `name` (log-out, or the pending cookie once used).
    ///
    /// - Parameter name: the cookie to delete.
    public func expiredCookie(_ name: String) -> WebLoginCookie {
        WebLoginCookie(name: name, value: "", maxAge: 0, path: name == pendingCookieName ? callbackPath : "/", secure: secureCookies)
    }

    /// The unregister flow LINE's guidelines require, in one call: deauthorize the app on the user's behalf (an app
    /// the user had already removed counts as done). Forget the user afterwards (``expiredCookie(_:)`` of the session).
    ///
    /// - Parameters:
    ///   - identity: the user to deauthorize the app for.
    ///   - channelAccessToken: a v2.1 or stateless channel access token of the login channel.
    /// - Throws: `LineAPIError` when LINE refuses the request.
    public func unregister(_ identity: LineIdentity, channelAccessToken: String) async throws -> LineLoginClient.UnregisterOutcome {
        try await client.unregister(userAccessToken: identity.accessToken, channelAccessToken: channelAccessToken)
    }
}

/// A cookie as the integrations set it: always `HttpOnly`; `SameSite=Lax` (the redirect back from LINE is a top-level
/// `GET`, which carries it), except the pending cookie of a `form_post` login, which must survive a cross-site `POST`
/// and so is `SameSite=None` and `Secure`; `Secure` whenever the app is served over https.
public struct WebLoginCookie: Sendable, Equatable {
    /// The cookie's `SameSite` attribute.
    public enum SameSite: String, Sendable {
        /// `SameSite=Lax`: sent on top-level navigations from other sites, such as LINE's redirect back.
        case lax = "Lax"
        /// `SameSite=None` (always with `Secure`): sent on cross-site requests too, such as a `form_post` callback.
        case none = "None"
    }

    /// The cookie's name.
    public var name: String
    /// Its value (sealed: only the app can read it).
    public var value: String
    /// Seconds until the browser drops it; `0` deletes it.
    public var maxAge: Int
    /// The cookie's `Path`.
    public var path: String
    /// Whether it is sent over https only.
    public var secure: Bool
    /// The cookie's `SameSite`.
    public var sameSite: SameSite

    /// A cookie to set.
    ///
    /// - Parameters:
    ///   - name: the cookie's name.
    ///   - value: its value.
    ///   - maxAge: seconds until the browser drops it; `0` deletes it.
    ///   - path: the cookie's `Path`.
    ///   - secure: whether it is sent over https only.
    ///   - sameSite: `Lax` unless it must survive a cross-site `POST`.
    public init(name: String, value: String, maxAge: Int, path: String, secure: Bool, sameSite: SameSite = .lax) {
        self.name = name
        self.value = value
        self.maxAge = maxAge
        self.path = path
        self.secure = secure || sameSite == .none
        self.sameSite = sameSite
    }
}
