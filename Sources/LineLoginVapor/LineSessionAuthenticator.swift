import Foundation
import LineLogin
import Vapor

extension LineIdentity: Authenticatable {}

/// Where ``LineLoginRoutes`` keeps the identity after a login.
public enum LineSessionStorage: Sendable {
    /// The identity sealed (AES-GCM, the `WebLogin`'s key) in its own cookie: no server-side state.
    case sealedCookie
    /// Vapor's session (`request.session`): the app must use `SessionsMiddleware`.
    case vapor
}

/// Logs in (`request.auth`) the `LineIdentity` that ``LineLoginRoutes`` kept: from Vapor's session when the request
/// has one holding it, from the sealed session cookie otherwise. Put `LineIdentity.guardMiddleware()` after it on
/// routes that need a LINE user.
///
/// ```swift
/// let account = app.grouped(LineSessionAuthenticator(line), LineIdentity.guardMiddleware())
/// account.get("account") { request in try request.auth.require(LineIdentity.self).userID }
/// ```
public struct LineSessionAuthenticator: AsyncRequestAuthenticator {
    /// The login whose session it reads.
    public let login: WebLogin

    /// An authenticator reading `login`'s session (sealed cookie or Vapor's session).
    ///
    /// - Parameter login: the login whose session it reads.
    public init(_ login: WebLogin) {
        self.login = login
    }

    /// Logs the request's identity in (`request.auth`) when its session holds a valid one.
    ///
    /// - Parameter request: the request.
    ///
    /// - Throws: nothing of its own: `AsyncRequestAuthenticator` requires the signature.
    public func authenticate(request: Request) async throws {
        if let identity = login.identity(of: request) { request.auth.login(identity) }
    }
}

extension WebLogin {
    static let sessionKey = "linekit.line-identity"

    /// Keeps `identity` in `storage`, and redirects to `location`.
    ///
    /// - Parameters:
    ///   - identity: the identity to keep.
    ///   - request: the request whose session (or response cookie) keeps it.
    ///   - storage: the sealed session cookie, or Vapor's session.
    ///   - location: where to redirect.
    /// - Throws: when the identity cannot be encoded or sealed.
    public func startSession(
        _ identity: LineIdentity,
        on request: Request,
        in storage: LineSessionStorage = .sealedCookie,
        redirectTo location: String = "/"
    ) throws -> Response {
        request.auth.login(identity)
        let response = request.redirect(to: location, redirectType: .normal)
        if storage == .vapor {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .secondsSince1970
            request.session.data[Self.sessionKey] = String(decoding: try encoder.encode(identity), as: UTF8.self)
        } else {
            let cookie = try sessionCookie(for: identity)
            response.cookies[cookie.name] = HTTPCookies.Value(cookie)
        }
        return response
    }

    /// The identity kept by ``startSession(_:on:in:redirectTo:)``, if any and not lapsed.
    ///
    /// - Parameter request: the request.
    public func identity(of request: Request) -> LineIdentity? {
        if request.hasSession, let json = request.session.data[Self.sessionKey] {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            guard let identity = try? decoder.decode(LineIdentity.self, from: Data(json.utf8)),
                now().timeIntervalSince(identity.authenticatedAt) <= sessionSealer.lifetime
            else { return nil }
            return identity
        }
        return identity(sessionCookie: request.cookies[sessionCookieName]?.string, now: now())
    }

    /// Ends the app's session (Vapor's session or the sealed cookie) and redirects to `location`.
    ///
    /// - Parameters:
    ///   - request: the request whose session ends.
    ///   - location: where to redirect.
    public func logOut(_ request: Request, redirectTo location: String = "/") -> Response {
        request.auth.logout(LineIdentity.self)
        if request.hasSession { request.session.data[Self.sessionKey] = nil }
        let response = request.redirect(to: location, redirectType: .normal)
        let expired = expiredCookie(sessionCookieName)
        response.cookies[expired.name] = HTTPCookies.Value(expired)
        return response
    }

    /// The unregister flow in one call: deauthorizes the app on the user's behalf (LINE's guidelines), then forgets
    /// the user and redirects to `location`.
    ///
    /// - Parameters:
    ///   - request: a request of a logged-in user.
    ///   - channelAccessToken: a v2.1 or stateless channel access token of the login channel.
    ///   - location: where to send the browser afterwards. Default `/`.
    /// - Throws: `Abort(.unauthorized)` when no user is logged in; `LineAPIError` when LINE refuses the request.
    public func unregister(_ request: Request, channelAccessToken: String, redirectTo location: String = "/") async throws -> Response {
        _ = try await unregister(try request.auth.require(LineIdentity.self), channelAccessToken: channelAccessToken)
        return logOut(request, redirectTo: location)
    }
}
