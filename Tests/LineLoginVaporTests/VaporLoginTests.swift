import Crypto
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineLogin
import LineLoginVapor
import LineMessaging
import Testing
import Vapor
import VaporTesting

/// A Vapor app built only from the integration and a few lines, logging in against the emulator through its consent
/// page, with Vapor's sessions and without.
@Suite("LINE Login in a Vapor app")
struct VaporLoginTests {
    static let brown = Seed.defaultUsers[0]

    static func webLogin(_ emulator: TestEmulator) -> WebLogin {
        let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
        let client = LineLoginClient(
            configuration: .web(channelID: Seed.webChannel.channelID, channelSecret: Seed.webChannel.channelSecret, api: api)
        )
        return WebLogin(client: client, callbackURL: "http://127.0.0.1:8080/auth/line/callback", key: SymmetricKey(size: .bits256))
    }

    /// The app: the integration's lines, a page that needs a LINE user, and unregister.
    static func configure(_ app: Application, _ login: WebLogin, sessions: Bool, channelAccessToken: String = "") throws {
        if sessions { app.middleware.use(app.sessions.middleware) }
        try app.register(collection: LineLoginRoutes(login, session: sessions ? .vapor : .sealedCookie))
        let account = app.grouped(LineSessionAuthenticator(login), LineIdentity.guardMiddleware())
        account.get("account") { request in
            let identity = try request.auth.require(LineIdentity.self)
            return identity.userID + " " + (identity.displayName ?? "")
        }
        account.post("account", "unregister") { request in
            try await login.unregister(request, channelAccessToken: channelAccessToken)
        }
    }

    /// Ends a login with `cookie` and returns the session cookie the callback set.
    static func finishLogin(_ app: Application, uri: String, cookie: String, method: HTTPMethod = .GET, form: String? = nil) async throws
        -> String
    {
        var session = ""
        var headers: HTTPHeaders = ["Cookie": cookie]
        if form != nil { headers.add(name: .contentType, value: "application/x-www-form-urlencoded") }
        try await app.testing().test(method, uri, headers: headers, body: form.map { ByteBuffer(string: $0) }) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.setCookie].contains { $0.hasPrefix("line_login_pending=;") && $0.contains("Max-Age=0") })
            session = String(try #require(response.headers[.setCookie].first { $0.hasPrefix("line_session=") }).split(separator: ";")[0])
        }
        return session
    }

    /// Starts a login, consents on the emulator's page, and returns the callback's path and query and the cookie.
    static func startLogin(_ app: Application, _ emulator: TestEmulator, choice: TestEmulator.ConsentChoice) async throws
        -> (uri: String, cookie: String)
    {
        var location: URL?
        var cookie = ""
        try await app.testing().test(.GET, "/auth/line") { response in
            #expect(response.status == .found)
            location = response.headers.first(name: .location).flatMap(URL.init(string:))
            let setCookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("line_login_pending=") })
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/auth/line/callback", "Max-Age=600"] {
                #expect(setCookie.contains(attribute))
            }
            cookie = String(setCookie.split(separator: ";")[0])
        }
        let callback = try await emulator.authorize(try #require(location), choice: choice)
        return (callback.path + "?" + (callback.query ?? ""), cookie)
    }

    @Test("success: the callback verifies the login and the session authenticates /account", arguments: [false, true])
    func success(vaporSessions: Bool) async throws {
        try await TestEmulator.run { emulator in
            try await withApp(configure: { try Self.configure($0, Self.webLogin(emulator), sessions: vaporSessions) }) { app in
                try await app.testing().test(.GET, "/account") { #expect($0.status == .unauthorized) }
                let (uri, pending) = try await Self.startLogin(app, emulator, choice: .allow(userID: Self.brown.userID))
                var session = ""
                try await app.testing().test(.GET, uri, headers: ["Cookie": pending]) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers.first(name: .location) == "/")
                    let name = vaporSessions ? "vapor-session=" : "line_session="
                    session = String(try #require(response.headers[.setCookie].first { $0.hasPrefix(name) }).split(separator: ";")[0])
                }
                try await app.testing().test(.GET, "/account", headers: ["Cookie": session]) { response in
                    #expect(response.status == .ok)
                    #expect(response.body.string == "\(Self.brown.userID) Brown")
                }
            }
        }
    }

    @Test("cancel: the default error page says so")
    func cancel() async throws {
        try await TestEmulator.run { emulator in
            try await withApp(configure: { try Self.configure($0, Self.webLogin(emulator), sessions: false) }) { app in
                let (uri, pending) = try await Self.startLogin(app, emulator, choice: .cancel)
                try await app.testing().test(.GET, uri, headers: ["Cookie": pending]) { response in
                    #expect(response.status == .ok)
                    #expect(response.body.string.contains("You cancelled the login with LINE."))
                    #expect(!response.headers[.setCookie].contains { $0.hasPrefix("line_session=") })
                }
            }
        }
    }

    @Test("a tampered state is refused")
    func tamperedState() async throws {
        try await TestEmulator.run { emulator in
            try await withApp(configure: { try Self.configure($0, Self.webLogin(emulator), sessions: false) }) { app in
                let (uri, pending) = try await Self.startLogin(app, emulator, choice: .allow(userID: Self.brown.userID))
                let forged = uri.replacingOccurrences(of: "state=", with: "state=forged")
                try await app.testing().test(.GET, forged, headers: ["Cookie": pending]) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.body.string.contains("state mismatch"))
                    #expect(!response.headers[.setCookie].contains { $0.hasPrefix("line_session=") })
                }
            }
        }
    }

    @Test("a pending authorization that is missing, altered or expired ends the login with a 400")
    func expiredPendingAuthorization() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.webLogin(emulator)
            try await withApp(configure: { try Self.configure($0, login, sessions: false) }) { app in
                let (url, pending) = try login.start(now: Date().addingTimeInterval(-601))
                let callback = try await emulator.authorize(url, choice: .allow(userID: Self.brown.userID))
                let uri = callback.path + "?" + (callback.query ?? "")
                let cases = [
                    ("", "not started in this browser"), ("\(pending.name)=\(pending.value.dropLast(2))AA", "took too long"),
                    ("\(pending.name)=\(pending.value)", "took too long"),
                ]
                for (cookie, message) in cases {
                    try await app.testing().test(.GET, uri, headers: ["Cookie": cookie]) { response in
                        #expect(response.status == .badRequest)
                        #expect(response.body.string.contains(message))
                    }
                }
            }
        }
    }

    @Test("form_post: LINE's auto-submitted form is a POST to the callback, which logs the user in")
    func formPost() async throws {
        try await TestEmulator.run { emulator in
            var login = Self.webLogin(emulator)
            login.options.responseMode = .formPost
            try await withApp(configure: { try Self.configure($0, login, sessions: false) }) { [login] app in
                let (url, pending) = try login.start()
                #expect(pending.sameSite == .none && pending.secure)
                let (action, form) = try await emulator.authorizeFormPost(url, choice: .allow(userID: Self.brown.userID))
                let session = try await Self.finishLogin(
                    app,
                    uri: action.path,
                    cookie: "\(pending.name)=\(pending.value)",
                    method: .POST,
                    form: form
                )
                try await app.testing().test(.GET, "/account", headers: ["Cookie": session]) { #expect($0.status == .ok) }
            }
        }
    }

    @Test("a LINE error on the code exchange reaches the error page with LINE's request ID")
    func lineError() async throws {
        try await TestEmulator.run { emulator in
            try await withApp(configure: { try Self.configure($0, Self.webLogin(emulator), sessions: false) }) { app in
                let (uri, pending) = try await Self.startLogin(app, emulator, choice: .allow(userID: Self.brown.userID))
                try await emulator.injectFault(.init(method: "POST", path: "/oauth2/v2.1/token", action: .status, status: 500, count: 1))
                try await app.testing().test(.GET, uri, headers: ["Cookie": pending]) { response in
                    #expect(response.status == .badGateway)
                    let requestID = try #require(
                        response.body.string.split(separator: "id=\"request-id\">").last?.split(separator: "<").first.map(String.init)
                    )
                    #expect(requestID.count == 16)
                    #expect(try await emulator.loggedRequestIDs(path: "/oauth2/v2.1/token", status: 500).contains(requestID))
                }
            }
        }
    }

    @Test("unregister: one call deauthorizes the app at LINE and forgets the session", arguments: [false, true])
    func unregister(vaporSessions: Bool) async throws {
        try await TestEmulator.run { emulator in
            let login = Self.webLogin(emulator)
            let channelToken = try await ChannelAccessTokenClient(api: login.client.api)
                .issueStateless(channelID: Seed.webChannel.channelID, channelSecret: Seed.webChannel.channelSecret).value.accessToken
            try await withApp(configure: { try Self.configure($0, login, sessions: vaporSessions, channelAccessToken: channelToken) }) {
                app in
                let (uri, pending) = try await Self.startLogin(app, emulator, choice: .allow(userID: Self.brown.userID))
                var session = ""
                try await app.testing().test(.GET, uri, headers: ["Cookie": pending]) { response in
                    let name = vaporSessions ? "vapor-session=" : "line_session="
                    session = String(try #require(response.headers[.setCookie].first { $0.hasPrefix(name) }).split(separator: ";")[0])
                }
                try await app.testing().test(.POST, "/account/unregister", headers: ["Cookie": session]) { response in
                    #expect(response.status == .seeOther)
                    if !vaporSessions {
                        #expect(response.headers[.setCookie].contains { $0.hasPrefix("line_session=;") && $0.contains("Max-Age=0") })
                    }
                }
                if vaporSessions {
                    // The session is kept on the server: replaying its cookie finds no LINE user any more.
                    try await app.testing().test(.GET, "/account", headers: ["Cookie": session]) { #expect($0.status == .unauthorized) }
                } else {
                    // A sealed cookie cannot be recalled, but LINE has ended the user's tokens.
                    let identity = try #require(login.identity(sessionCookie: String(session.dropFirst("line_session=".count))))
                    await #expect(throws: LineAPIError.self) { try await login.client.verify(accessToken: identity.accessToken) }
                }
            }
        }
    }
}
