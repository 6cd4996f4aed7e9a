import Crypto
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineLogin
import LineLoginVapor
import Testing
import Vapor
import VaporTesting

/// A Vapor app built only from the integration and a few lines, logging in against the emulator through its consent
/// page, with Vapor's sessions and without.
@Suite("LINE Login in a Vapor app")
struct VaporLoginTests {
    static let brown = Seed.defaultUsers[0]

    static func webLogin(_ emulator: TestEmulator) -> WebLogin {
        let client = LineLoginClient(
            channelID: Seed.webChannel.channelID,
            channelSecret: Seed.webChannel.channelSecret,
            api: LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
        )
        return WebLogin(client: client, callbackURL: "http://127.0.0.1:8080/auth/line/callback", key: SymmetricKey(size: .bits256))
    }

    /// The app: the integration's lines and a page that needs a LINE user.
    static func configure(_ app: Application, _ login: WebLogin, sessions: Bool) throws {
        if sessions { app.middleware.use(app.sessions.middleware) }
        try app.register(collection: LineLoginRoutes(login, session: sessions ? .vapor : .sealedCookie))
        app.grouped(LineSessionAuthenticator(login), LineIdentity.guardMiddleware()).get("account") { request in
            let identity = try request.auth.require(LineIdentity.self)
            return identity.userID + " " + (identity.displayName ?? "")
        }
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
}
