import Foundation
import HTTPTypes
import LineLogin
import Vapor

/// LINE Login as a Vapor `RouteCollection`: `GET loginPath` redirects to LINE with the pending authorization sealed
/// in a cookie, and the callback (`WebLogin.callbackPath`: `GET`, and `POST` for `form_post`) checks state and
/// nonce, exchanges the code, verifies the ID token, and calls `onSuccess` with the verified identity, or `onError`.
///
/// ```swift
/// let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: key)
/// try app.register(collection: LineLoginRoutes(line))   // the identity goes to the session, then to "/"
/// ```
public struct LineLoginRoutes: RouteCollection, Sendable {
    /// The login the routes run.
    public let login: WebLogin
    /// The path that starts the login (default `/auth/line`).
    public var loginPath: String
    /// The page for a failed login.
    public var onError: @Sendable (WebLoginFailure, Request) async throws -> Response
    /// What to do with the verified identity.
    public var onSuccess: @Sendable (LineIdentity, Request) async throws -> Response

    /// - Parameters:
    ///   - login: the channel, its callback URL and its sealing key.
    ///   - loginPath: the path that starts a login (redirects to LINE). Default `/auth/line`.
    ///   - session: where the default `onSuccess` keeps the identity: the sealed session cookie, or Vapor's session
    ///     (`.vapor`, for an app that uses `SessionsMiddleware`).
    ///   - onError: the page for a failed login; `nil` for ``LineLoginResponses/errorPage(_:loginPath:)``.
    ///   - onSuccess: what to do with the identity; `nil` to keep it in `session` and redirect to `/`.
    public init(
        _ login: WebLogin,
        loginPath: String = "/auth/line",
        session: LineSessionStorage = .sealedCookie,
        onError: (@Sendable (WebLoginFailure, Request) async throws -> Response)? = nil,
        onSuccess: (@Sendable (LineIdentity, Request) async throws -> Response)? = nil
    ) {
        self.login = login
        self.loginPath = loginPath
        self.onError = onError ?? { failure, _ in LineLoginResponses.errorPage(failure, loginPath: loginPath) }
        self.onSuccess = onSuccess ?? { identity, request in try login.startSession(identity, on: request, in: session) }
    }

    /// Registers `GET loginPath` and the callback (`GET`, and `POST` for `form_post`).
    ///
    /// - Parameter routes: where to register them.
    /// - Throws: nothing of its own: Vapor's `RouteCollection` requires the signature.
    public func boot(routes: any RoutesBuilder) throws {
        routes.get(loginPath.pathComponents) { _ in
            let (url, cookie) = try login.start(now: login.now())
            let response = Response(status: .found, headers: ["Location": url.absoluteString, "Cache-Control": "no-store"])
            response.cookies[cookie.name] = HTTPCookies.Value(cookie)
            return response
        }
        let callback: @Sendable (Request) async throws -> Response = { request in
            let response: Response
            do {
                let identity = try await login.finish(
                    request.typedHead,
                    body: request.body.data.map { Array(buffer: $0) } ?? [],
                    pendingCookie: request.cookies[login.pendingCookieName]?.string,
                    now: login.now()
                )
                response = try await onSuccess(identity, request)
            } catch let failure as WebLoginFailure {
                request.logger.notice(
                    "LINE Login failed",
                    metadata: ["line.failure": "\(failure.code)", "x-line-request-id": "\(failure.requestID ?? "-")"]
                )
                response = try await onError(failure, request)
            }
            let expired = login.expiredCookie(login.pendingCookieName)
            response.cookies[expired.name] = HTTPCookies.Value(expired)
            return response
        }
        routes.on(.GET, login.callbackPath.pathComponents, use: callback)
        routes.on(.POST, login.callbackPath.pathComponents, body: .collect(maxSize: "64kb"), use: callback)
    }
}

extension Request {
    /// The request's head as HTTPTypes has it (what `WebLogin` reads): method, path with query, content type.
    var typedHead: HTTPRequest {
        var fields = HTTPFields()
        if let contentType = headers.first(name: .contentType) { fields[.contentType] = contentType }
        return HTTPRequest(
            method: HTTPRequest.Method(method.rawValue) ?? .get,
            scheme: nil,
            authority: nil,
            path: url.string,
            headerFields: fields
        )
    }
}

extension HTTPCookies.Value {
    /// The Vapor form of a cookie the integration sets.
    ///
    /// - Parameter cookie: the cookie to set.
    public init(_ cookie: WebLoginCookie) {
        self.init(
            string: cookie.value,
            maxAge: cookie.maxAge,
            path: cookie.path,
            isSecure: cookie.secure,
            isHTTPOnly: true,
            sameSite: cookie.sameSite == .none ? HTTPCookies.SameSitePolicy.none : .lax
        )
    }
}
