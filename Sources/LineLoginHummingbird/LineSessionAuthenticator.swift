import Hummingbird
import HummingbirdAuth
import LineLogin

/// Authenticates requests from the sealed session cookie that `addLineLogin` sets by default, so routes behind it
/// (and `IsAuthenticatedMiddleware`) see the `LineIdentity` in `context.identity`.
///
/// ```swift
/// let account = router.group("account")
///     .add(middleware: LineSessionAuthenticator(line))
///     .add(middleware: IsAuthenticatedMiddleware())
/// account.get { _, context in try context.requireIdentity().displayName ?? "" }
/// ```
public struct LineSessionAuthenticator<Context: AuthRequestContext<LineIdentity>>: AuthenticatorMiddleware {
    /// The identity it puts in the request context.
    public typealias Identity = LineIdentity
    /// The login whose session cookie it reads.
    public let login: WebLogin

    /// An authenticator reading `login`'s session cookie.
    ///
    /// - Parameter login: the login whose session cookie it reads.
    public init(_ login: WebLogin) {
        self.login = login
    }

    /// The identity in the request's session cookie, or `nil` when there is none or it is expired or altered.
    ///
    /// - Parameters:
    ///   - request: the request.
    ///   - context: its context.
    ///
    /// - Throws: nothing of its own: `AuthenticatorMiddleware` requires the signature.
    public func authenticate(request: Request, context: Context) async throws -> LineIdentity? {
        login.identity(sessionCookie: request.cookies[login.sessionCookieName]?.value, now: login.now())
    }
}

extension WebLogin {
    /// Ends the app's session: a redirect to `location` that deletes the session cookie.
    ///
    /// - Parameter location: where to redirect.
    public func logOut(redirectTo location: String = "/") -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        endSession(on: &response)
        return response
    }

    /// Deletes the session cookie with `response` (for an app that answers with a page of its own).
    ///
    /// - Parameter response: the response to add the expired cookie to.
    public func endSession(on response: inout Response) {
        response.setCookie(Cookie(expiredCookie(sessionCookieName)))
    }

    /// Keeps an updated identity (e.g. after a token refresh) in the session cookie with `response`.
    ///
    /// - Parameters:
    ///   - identity: the identity to keep.
    ///   - response: the response to set the cookie on.
    /// - Throws: when the identity cannot be sealed.
    public func updateSession(_ identity: LineIdentity, on response: inout Response) throws {
        response.setCookie(Cookie(try sessionCookie(for: identity)))
    }

    /// The unregister flow in one call: deauthorizes the app on the user's behalf (LINE's guidelines), then forgets the
    /// user (deletes the session cookie) and sends the browser to `location`.
    ///
    /// - Parameters:
    ///   - identity: the logged-in user.
    ///   - channelAccessToken: a v2.1 or stateless channel access token of the login channel.
    ///   - location: where to send the browser afterwards. Default `/`.
    /// - Throws: `LineAPIError` when LINE refuses the request.
    public func unregister(_ identity: LineIdentity, channelAccessToken: String, redirectTo location: String = "/") async throws -> Response
    {
        _ = try await unregister(identity, channelAccessToken: channelAccessToken)
        return logOut(redirectTo: location)
    }
}
