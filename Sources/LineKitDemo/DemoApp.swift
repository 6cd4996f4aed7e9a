import Crypto
import Foundation
import Hummingbird
import LineCore
import LineLogin
import LineMessaging
import Logging
import Synchronization

/// A sample web app that logs users in with LINE, built only on LineKit's public SDK (it never imports the emulator):
/// login, callback, profile with ID token claims and friendship, refresh/verify/revoke, a pushed welcome message, and
/// the unregister flow LINE's guidelines require.
public struct DemoApp: Sendable {
    public struct Configuration: Sendable {
        public var endpoints: Endpoints
        public var loginChannelID: String
        public var loginChannelSecret: String
        public var botChannelID: String
        public var botChannelSecret: String
        /// The app's own base URL, e.g. `http://127.0.0.1:8080`.
        public var baseURL: String
        public var logger: Logger

        public init(
            endpoints: Endpoints,
            loginChannelID: String,
            loginChannelSecret: String,
            botChannelID: String,
            botChannelSecret: String,
            baseURL: String,
            logger: Logger = Logger(label: "linekit.demo")
        ) {
            self.endpoints = endpoints
            self.loginChannelID = loginChannelID
            self.loginChannelSecret = loginChannelSecret
            self.botChannelID = botChannelID
            self.botChannelSecret = botChannelSecret
            self.baseURL = baseURL
            self.logger = logger
        }
    }

    /// What the app remembers about a logged-in browser.
    struct Session: Sendable {
        var tokens: LoginTokens
        var claims: IDTokenClaims?
        var profile: Profile?
        var friend: Bool?
        var flash: String?
    }

    let configuration: Configuration
    let login: LineLoginClient
    let messaging: MessagingClient
    let loginChannelTokens: ChannelTokenProvider
    let sealer = SealedAuthorization(key: SymmetricKey(size: .bits256))
    let sessions = SessionStore()

    public init(configuration: Configuration) {
        self.configuration = configuration
        let api = LineAPIClient(configuration: .init(endpoints: configuration.endpoints, logger: configuration.logger))
        login = LineLoginClient(channelID: configuration.loginChannelID, channelSecret: configuration.loginChannelSecret, api: api)
        let tokenClient = ChannelAccessTokenClient(api: api)
        let botTokens = ChannelTokenProvider(
            channelID: configuration.botChannelID,
            credential: .statelessSecret(configuration.botChannelSecret),
            client: tokenClient
        )
        messaging = MessagingClient(api: api, tokens: botTokens)
        loginChannelTokens = ChannelTokenProvider(
            channelID: configuration.loginChannelID,
            credential: .statelessSecret(configuration.loginChannelSecret),
            client: tokenClient
        )
    }

    var callbackURL: String { configuration.baseURL + "/callback" }

    /// The router of the demo app.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { request, _ in
            if let session = session(of: request) { return profilePage(session) }
            return Page.html(
                title: "LineKit demo",
                body: """
                    <h1>LineKit demo</h1>
                    <p>A sample app that logs you in with LINE through LineKit's Swift SDK, here against the LineKit emulator.</p>
                    <p><a class="button line" href="/login">Log in with LINE</a></p>
                    """
            )
        }
        router.get("/login") { _, _ in
            let redirect = try login.authorizationRedirect(
                redirectURI: callbackURL,
                scopes: [.profile, .openid, .email],
                options: AuthorizationOptions(botPrompt: .normal)
            )
            var response = Response(status: .found, headers: [.location: redirect.url.absoluteString])
            response.setCookie(
                Cookie(name: "demo_login", value: try sealer.seal(redirect.pending), maxAge: 600, path: "/", httpOnly: true, sameSite: .lax)
            )
            return response
        }
        router.get("/callback") { request, _ in try await callback(request) }
        router.post("/refresh") { request, _ in
            try await act(request) { session in
                let refreshed = try await login.refresh(session.tokens.refreshToken)
                session.tokens.accessToken = refreshed.value.accessToken
                session.tokens.expiresIn = refreshed.value.expiresIn
                return "Refreshed: a new access token (request ID \(refreshed.requestID ?? "-"))."
            }
        }
        router.post("/verify") { request, _ in
            try await act(request) { session in
                let info = try await login.verify(accessToken: session.tokens.accessToken)
                return
                    "Verified: the access token is this channel's and lives \(info.value.expiresIn) more seconds (request ID \(info.requestID ?? "-"))."
            }
        }
        router.post("/push") { request, _ in
            try await act(request) { session in
                guard let userID = session.claims?.sub ?? session.profile?.userId else { return "No user ID to push to." }
                let result = try await messaging.push(
                    to: userID,
                    messages: [try .text("Welcome to the LineKit demo, \(session.profile?.displayName ?? "friend")!")]
                )
                return
                    "Pushed a welcome message (message \(result.sentMessages.first?.id ?? "?"), request ID \(result.acceptedRequestID ?? "-"))."
            }
        }
        router.post("/revoke") { request, _ in
            guard let id = request.cookies["demo_session"]?.value, let session = sessions.withLock({ $0[id] }) else {
                return Page.redirect("/")
            }
            do {
                try await login.revoke(accessToken: session.tokens.accessToken)
            } catch let error as LineAPIError {
                return Page.error(error)
            }
            sessions.withLock { $0[id] = nil }
            return Page.html(
                title: "Logged out",
                body: "<h1>Logged out</h1><p>The access token was revoked.</p><p><a class=\"button\" href=\"/\">Home</a></p>"
            )
        }
        router.post("/unregister") { request, _ in
            guard let id = request.cookies["demo_session"]?.value, let session = sessions.withLock({ $0[id] }) else {
                return Page.redirect("/")
            }
            do {
                let channelToken = try await loginChannelTokens.token()
                _ = try await login.unregister(userAccessToken: session.tokens.accessToken, channelAccessToken: channelToken.accessToken)
            } catch let error as LineAPIError {
                return Page.error(error)
            }
            sessions.withLock { $0[id] = nil }
            return Page.html(
                title: "Unregistered",
                body: """
                    <h1 id="unregistered">You have unregistered</h1>
                    <p class="notice">\(Page.escape(LineLoginClient.unregisterNotice))</p>
                    <p><a class="button" href="/">Home</a></p>
                    """
            )
        }
        return router
    }

    private func session(of request: Request) -> Session? {
        guard let id = request.cookies["demo_session"]?.value else { return nil }
        return sessions.withLock { $0[id] }
    }

    private func callback(_ request: Request) async throws -> Response {
        guard let sealed = request.cookies["demo_login"]?.value, let pending = try? sealer.open(sealed) else {
            return Page.html(
                title: "Login expired",
                body: "<h1>Login expired</h1><p>Start again.</p><p><a class=\"button line\" href=\"/login\">Log in with LINE</a></p>",
                status: .badRequest
            )
        }
        let pathAndQuery = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        switch await login.handleCallback(pathAndQuery: pathAndQuery, pending: pending) {
        case .authorized(let code, _):
            do {
                let tokens = try await login.exchange(code: code, pending: pending).value
                var claims: IDTokenClaims?
                if let idToken = tokens.idToken {
                    claims = try await login.verifyIDToken(idToken, expecting: IDTokenExpectations(pending: pending))
                }
                let profile = try await login.profile(accessToken: tokens.accessToken).value
                let friend = try await login.friendship(accessToken: tokens.accessToken).value
                let id = UUID().uuidString
                sessions.withLock { $0[id] = Session(tokens: tokens, claims: claims, profile: profile, friend: friend) }
                var response = Page.redirect("/")
                response.setCookie(Cookie(name: "demo_session", value: id, path: "/", httpOnly: true, sameSite: .lax))
                return response
            } catch let error as LineAPIError {
                return Page.error(error)
            }
        case .denied:
            return Page.html(
                title: "Login cancelled",
                body: """
                    <h1 id="cancelled">Login cancelled</h1><p>You pressed Cancel on LINE's consent screen.</p>
                    <p><a class="button line" href="/login">Log in with LINE</a></p>
                    """
            )
        case .failed(let error, let description):
            return Page.html(
                title: "Login failed",
                body: "<h1>Login failed</h1><p><code>\(Page.escape(error))</code> \(Page.escape(description ?? ""))</p>",
                status: .badRequest
            )
        case .stateMismatch, .invalidResponseJWT:
            return Page.html(
                title: "Login failed",
                body:
                    "<h1>Login failed</h1><p>The state did not match. Try again.</p><p><a class=\"button line\" href=\"/login\">Log in with LINE</a></p>",
                status: .badRequest
            )
        }
    }

    private func act(_ request: Request, _ action: (inout Session) async throws -> String) async throws -> Response {
        guard let id = request.cookies["demo_session"]?.value, var session = sessions.withLock({ $0[id] }) else {
            return Page.redirect("/")
        }
        do {
            session.flash = try await action(&session)
        } catch let error as LineAPIError {
            return Page.error(error)
        }
        let updated = session
        sessions.withLock { $0[id] = updated }
        return Page.redirect("/")
    }

    private func profilePage(_ session: Session) -> Response {
        let profile = session.profile
        var rows = ""
        if let claims = session.claims {
            let pairs: [(String, String?)] = [
                ("iss", claims.iss), ("sub", claims.sub), ("aud", claims.aud), ("exp", String(claims.exp)), ("iat", String(claims.iat)),
                ("amr", claims.amr?.joined(separator: ", ")), ("name", claims.name), ("email", claims.email),
            ]
            for (name, value) in pairs where value != nil { rows += "<tr><th>\(name)</th><td>\(Page.escape(value ?? ""))</td></tr>" }
        }
        let flash = session.flash.map { "<p class=\"flash\" id=\"flash\">\(Page.escape($0))</p>" } ?? ""
        return Page.html(
            title: "Your LINE profile",
            body: """
                \(flash)
                <h1 id="profile-name">\(Page.escape(profile?.displayName ?? "LINE user"))</h1>
                <p class="muted"><code>\(Page.escape(profile?.userId ?? ""))</code></p>
                <p>\(Page.escape(profile?.statusMessage ?? ""))</p>
                <p>Friend of the channel's LINE Official Account: <strong id="friend">\(session.friend == true ? "yes" : "no")</strong></p>
                <h2>ID token claims (verified locally)</h2>
                <table>\(rows)</table>
                <div class="actions">
                <form method="post" action="/refresh"><button>Refresh token</button></form>
                <form method="post" action="/verify"><button>Verify token</button></form>
                <form method="post" action="/push"><button>Push a welcome message</button></form>
                <form method="post" action="/revoke"><button>Log out (revoke)</button></form>
                </div>
                <h2>Unregister</h2>
                <p class="notice">\(Page.escape(LineLoginClient.unregisterNotice))</p>
                <form method="post" action="/unregister"><button class="danger" id="unregister">Unregister</button></form>
                """
        )
    }
}

/// The logged-in browsers, in memory (a demo keeps no state across restarts).
final class SessionStore: Sendable {
    private let sessions = Mutex<[String: DemoApp.Session]>([:])

    func withLock<T>(_ body: (inout [String: DemoApp.Session]) -> T) -> T {
        sessions.withLock { body(&$0) }
    }
}

/// The demo's HTML.
enum Page {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">",
            with: "&gt;"
        )
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func error(_ error: LineAPIError) -> Response {
        html(
            title: "LINE error",
            body: """
                <h1 id="line-error">LINE answered with an error</h1>
                <table>
                <tr><th>Status</th><td id="error-status">\(error.status.map(String.init) ?? "no response")</td></tr>
                <tr><th>Error</th><td>\(escape(error.error ?? error.message ?? String(describing: error.code)))</td></tr>
                <tr><th>Description</th><td>\(escape(error.errorDescription ?? error.details.map { $0.message ?? "" }.joined(separator: "; ")))</td></tr>
                <tr><th>x-line-request-id</th><td><code id="request-id">\(escape(error.requestID ?? "none"))</code></td></tr>
                </table>
                <p><a class="button" href="/">Home</a></p>
                """,
            status: .badGateway
        )
    }

    static func html(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
            <title>\(escape(title))</title><style>
            body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; background: #fafafa; color: #111; }
            header { background: #222; color: #fff; padding: 12px 20px; font-weight: 600; }
            main { max-width: 640px; margin: 24px auto; background: #fff; border: 1px solid #e5e5e5; border-radius: 12px; padding: 24px; }
            .button, button { display: inline-block; font: inherit; font-weight: 600; padding: 10px 16px; border-radius: 8px; border: 1px solid #ccc; background: #fff; color: #111; text-decoration: none; cursor: pointer; }
            .line { background: #06c755; border-color: #06c755; color: #fff; }
            .danger { color: #a11; border-color: #e6b3b3; }
            .actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 16px 0; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eee; word-break: break-all; }
            .muted { color: #666; } .flash { background: #eef9f1; border: 1px solid #bfe8cc; padding: 8px 12px; border-radius: 8px; }
            .notice { background: #fff7e0; border: 1px solid #f0e0a0; padding: 8px 12px; border-radius: 8px; font-size: 14px; }
            code { background: #f0f0f0; padding: 1px 4px; border-radius: 4px; }
            </style></head><body><header>LineKit demo app</header><main>
            \(body)
            </main></body></html>
            """
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: page))
        )
    }
}
