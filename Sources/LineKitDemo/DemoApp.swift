import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import LineCore
import LineLogin
import LineLoginHummingbird
import LineMessaging
import Logging

/// A sample web app that logs users in with LINE, built only on LineKit's public SDK (it never imports the emulator):
/// LINE Login through `LineLoginHummingbird` (`addLineLogin` and its sealed session cookie), the profile with ID
/// token claims and friendship, refresh/verify/revoke, a pushed welcome message, and the unregister flow LINE's
/// guidelines require.
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

    public typealias Context = BasicAuthRequestContext<LineIdentity>

    let configuration: Configuration
    let login: LineLoginClient
    /// LINE Login for this web app: what `addLineLogin` serves, and the sealed session cookie it keeps.
    let web: WebLogin
    let messaging: MessagingClient
    let loginChannelTokens: ChannelTokenProvider

    public init(configuration: Configuration) {
        self.configuration = configuration
        let api = LineAPIClient(configuration: .init(endpoints: configuration.endpoints, logger: configuration.logger))
        login = LineLoginClient(
            configuration: .web(channelID: configuration.loginChannelID, channelSecret: configuration.loginChannelSecret, api: api)
        )
        web = WebLogin(
            client: login,
            callbackURL: configuration.baseURL + "/callback",
            key: SymmetricKey(size: .bits256),
            scopes: [.profile, .openid, .email],
            options: AuthorizationOptions(botPrompt: .normal)
        )
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

    /// The router of the demo app: LINE Login is the two `add` lines; the rest is the app.
    public func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: LineSessionAuthenticator(web))
        router.addLineLogin(web, loginPath: "/login", onError: { failure, _, _ in Page.failure(failure) })

        router.get("/") { _, context in
            guard let identity = context.identity else { return Page.home }
            return await profilePage(identity)
        }
        router.post("/refresh") { _, context in
            try await act(context) { identity in
                let refreshed = try await login.refresh(identity.refreshToken)
                identity.accessToken = refreshed.value.accessToken
                identity.accessTokenExpiresAt = Date().addingTimeInterval(TimeInterval(refreshed.value.expiresIn))
                return "Refreshed: a new access token (request ID \(refreshed.requestID ?? "-"))."
            }
        }
        router.post("/verify") { _, context in
            try await act(context) { identity in
                let info = try await login.verify(accessToken: identity.accessToken)
                return
                    "Verified: the access token is this channel's and lives \(info.value.expiresIn) more seconds (request ID \(info.requestID ?? "-"))."
            }
        }
        router.post("/push") { _, context in
            try await act(context) { identity in
                let result = try await messaging.push(
                    to: identity.userID,
                    messages: [try .text("Welcome to the LineKit demo, \(identity.displayName ?? "friend")!")]
                )
                return
                    "Pushed a welcome message (message \(result.sentMessages.first?.id ?? "?"), request ID \(result.acceptedRequestID ?? "-"))."
            }
        }
        router.post("/revoke") { _, context in
            guard let identity = context.identity else { return Page.redirect("/") }
            do {
                try await login.revoke(accessToken: identity.accessToken)
            } catch let error as LineAPIError {
                return Page.error(error)
            }
            var response = Page.html(
                title: "Logged out",
                body: "<h1>Logged out</h1><p>The access token was revoked.</p><p><a class=\"button\" href=\"/\">Home</a></p>"
            )
            web.endSession(on: &response)
            return response
        }
        router.post("/unregister") { _, context in
            guard let identity = context.identity else { return Page.redirect("/") }
            do {
                _ = try await web.unregister(identity, channelAccessToken: try await loginChannelTokens.token().accessToken)
            } catch let error as LineAPIError {
                return Page.error(error)
            }
            var response = Page.html(
                title: "Unregistered",
                body: """
                    <h1 id="unregistered">You have unregistered</h1>
                    <p class="notice">\(Page.escape(LineLoginClient.unregisterNotice))</p>
                    <p><a class="button" href="/">Home</a></p>
                    """
            )
            web.endSession(on: &response)
            return response
        }
        return router
    }

    /// Runs an action for the logged-in user and shows its result on the profile page (keeping a changed identity).
    private func act(_ context: Context, _ action: (inout LineIdentity) async throws -> String) async throws -> Response {
        guard var identity = context.identity else { return Page.redirect("/") }
        let flash: String
        do {
            flash = try await action(&identity)
        } catch let error as LineAPIError {
            return Page.error(error)
        }
        var response = await profilePage(identity, flash: flash)
        try web.updateSession(identity, on: &response)
        return response
    }

    private func profilePage(_ identity: LineIdentity, flash: String? = nil) async -> Response {
        let friend = try? await login.friendship(accessToken: identity.accessToken).value
        var rows = ""
        if let claims = identity.claims {
            let pairs: [(String, String?)] = [
                ("iss", claims.issuer), ("sub", claims.subject), ("aud", claims.audience),
                ("exp", String(Int(claims.expiresAt.timeIntervalSince1970))), ("iat", String(Int(claims.issuedAt.timeIntervalSince1970))),
                ("amr", claims.authenticationMethods?.joined(separator: ", ")), ("name", claims.name), ("email", claims.email),
            ]
            for (name, value) in pairs where value != nil { rows += "<tr><th>\(name)</th><td>\(Page.escape(value ?? ""))</td></tr>" }
        }
        let flash = flash.map { "<p class=\"flash\" id=\"flash\">\(Page.escape($0))</p>" } ?? ""
        return Page.html(
            title: "Your LINE profile",
            body: """
                \(flash)
                <h1 id="profile-name">\(Page.escape(identity.displayName ?? "LINE user"))</h1>
                <p class="muted"><code>\(Page.escape(identity.userID))</code></p>
                <p>\(Page.escape(identity.profile?.statusMessage ?? ""))</p>
                <p>Friend of the channel's LINE Official Account: <strong id="friend">\(friend == true ? "yes" : "no")</strong></p>
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

/// The demo's HTML.
enum Page {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">",
            with: "&gt;"
        )
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static let home = html(
        title: "LineKit demo",
        body: """
            <h1>LineKit demo</h1>
            <p>A sample app that logs you in with LINE through LineKit's Swift SDK, here against the LineKit emulator.</p>
            <p><a class="button line" href="/login">Log in with LINE</a></p>
            """
    )

    /// The page for a login that did not finish (`addLineLogin`'s error handler).
    static func failure(_ failure: WebLoginFailure) -> Response {
        if failure.code == .cancelled {
            return html(
                title: "Login cancelled",
                body: """
                    <h1 id="cancelled">Login cancelled</h1><p>You pressed Cancel on LINE's consent screen.</p>
                    <p><a class="button line" href="/login">Log in with LINE</a></p>
                    """
            )
        }
        if let error = failure.lineAPIError { return Page.error(error) }
        return html(
            title: "Login failed",
            body: """
                <h1>Login failed</h1><p>\(escape(failure.message))</p><p><code>\(escape(failure.detail ?? ""))</code></p>
                <p><a class="button line" href="/login">Log in with LINE</a></p>
                """,
            status: .badRequest
        )
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
