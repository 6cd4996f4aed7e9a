import Foundation
import HTTPTypes
import Hummingbird
import LineLogin
import Logging
import NIOCore

extension RouterMethods {
    /// Serves LINE Login: `GET loginPath` redirects to LINE with the pending authorization sealed in a cookie, and
    /// the callback (`WebLogin.callbackPath`: `GET`, and `POST` for `form_post`) checks state and nonce, exchanges
    /// the code, verifies the ID token, and calls `onSuccess` with the verified identity, or `onError`.
    ///
    /// ```swift
    /// let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: key)
    /// router.addLineLogin(line)   // the identity goes to a sealed session cookie, then the browser goes to "/"
    /// ```
    /// - Parameters:
    ///   - login: the channel, callback URL, scopes and keys.
    ///   - loginPath: where a "Log in with LINE" link points.
    ///   - onError: the page for a failed login; `nil` for ``LineLoginResponses/errorPage(_:loginPath:)``.
    ///   - onSuccess: what to do with the identity; `nil` to keep it in the sealed session cookie
    ///     (``LineLoginResponses/startSession(_:login:redirectTo:)``) and go to `/`. The pending cookie is expired on
    ///     whatever it returns.
    @discardableResult
    public func addLineLogin(
        _ login: WebLogin,
        loginPath: String = "/auth/line",
        onError: (@Sendable (WebLoginFailure, Request, Context) async throws -> Response)? = nil,
        onSuccess: (@Sendable (LineIdentity, Request, Context) async throws -> Response)? = nil
    ) -> Self {
        get(RouterPath(loginPath)) { _, _ in
            let (url, cookie) = try login.start(now: login.now())
            var response = Response(status: .found, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
            response.setCookie(Cookie(cookie))
            return response
        }
        let callback: @Sendable (Request, Context) async throws -> Response = { request, context in
            let body = request.method == .post ? Array(buffer: try await request.body.collect(upTo: 64 * 1024)) : []
            var response: Response
            do {
                let identity = try await login.finish(
                    request.head,
                    body: body,
                    pendingCookie: request.cookies[login.pendingCookieName]?.value,
                    now: login.now()
                )
                if let onSuccess {
                    response = try await onSuccess(identity, request, context)
                } else {
                    response = try LineLoginResponses.startSession(identity, login: login)
                }
            } catch let failure as WebLoginFailure {
                context.logger.notice(
                    "LINE Login failed",
                    metadata: ["line.failure": "\(failure.code)", "x-line-request-id": "\(failure.requestID ?? "-")"]
                )
                if let onError {
                    response = try await onError(failure, request, context)
                } else {
                    response = LineLoginResponses.errorPage(failure, loginPath: loginPath)
                }
            }
            response.setCookie(Cookie(login.expiredCookie(login.pendingCookieName)))
            return response
        }
        get(RouterPath(login.callbackPath), use: callback)
        post(RouterPath(login.callbackPath), use: callback)
        return self
    }
}

extension Cookie {
    /// The Hummingbird form of a cookie the integration sets.
    ///
    /// - Parameter cookie: the cookie to set.
    public init(_ cookie: WebLoginCookie) {
        self.init(
            name: cookie.name,
            value: cookie.value,
            maxAge: cookie.maxAge,
            path: cookie.path,
            secure: cookie.secure,
            httpOnly: true,
            sameSite: cookie.sameSite == .none ? .none : .lax
        )
    }
}
