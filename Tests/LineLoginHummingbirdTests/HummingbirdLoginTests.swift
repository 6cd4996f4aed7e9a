import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineLogin
import LineLoginHummingbird
import LineMessaging
import NIOCore
import Synchronization
import Testing

/// A Hummingbird app built only from the integration and a few lines, logging in against the emulator through its
/// consent page.
@Suite("LINE Login in a Hummingbird app")
struct HummingbirdLoginTests {
    typealias Context = BasicAuthRequestContext<LineIdentity>
    static let brown = Seed.defaultUsers[0]
    static let callbackURL = "http://127.0.0.1:8080/auth/line/callback"

    static func webLogin(_ emulator: TestEmulator, options: AuthorizationOptions = AuthorizationOptions(), clock: AppClock = AppClock())
        -> WebLogin
    {
        let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
        let client = LineLoginClient(
            configuration: .web(channelID: Seed.webChannel.channelID, channelSecret: Seed.webChannel.channelSecret, api: api)
        )
        var login = WebLogin(client: client, callbackURL: callbackURL, key: SymmetricKey(size: .bits256), options: options)
        login.now = { clock.now }
        return login
    }

    /// The app: the two lines of the integration, a page that needs a logged-in user, and unregister.
    static func app(_ login: WebLogin, channelAccessToken: String = "") -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        router.addLineLogin(login)
        let account = router.group("account").add(middleware: LineSessionAuthenticator(login)).add(middleware: IsAuthenticatedMiddleware())
        account.get { _, context in try context.requireIdentity().userID + " " + (context.requireIdentity().displayName ?? "") }
        account.post("unregister") { _, context in
            try await login.unregister(try context.requireIdentity(), channelAccessToken: channelAccessToken)
        }
        return Application(router: router)
    }

    /// Starts a login on the app, consents on the emulator's page, and returns the callback URL and the pending cookie.
    static func startLogin(
        _ client: some TestClientProtocol,
        _ emulator: TestEmulator,
        choice: TestEmulator.ConsentChoice = .allow(userID: brown.userID)
    ) async throws -> (callback: URL, cookie: String) {
        let start = try await client.execute(uri: "/auth/line", method: .get)
        #expect(start.status == .found)
        let setCookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("line_login_pending=") })
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/auth/line/callback", "Max-Age=600"] { #expect(setCookie.contains(attribute)) }
        #expect(!setCookie.contains("Secure"))
        let location = try #require(start.headers[.location].flatMap(URL.init(string:)))
        let callback = try await emulator.authorize(location, choice: choice)
        return (callback, cookiePair(setCookie))
    }

    static func cookiePair(_ setCookie: String) -> String {
        String(setCookie.split(separator: ";")[0])
    }

    static func pathAndQuery(_ url: URL) -> String {
        url.path + "?" + (url.query ?? "")
    }

    /// The session cookie the callback set, after checking it ended the login (303 to `/`).
    static func sessionCookie(_ response: TestResponse) throws -> String {
        #expect(response.status == .seeOther)
        #expect(response.headers[.location] == "/")
        let cookies = response.headers[values: .setCookie]
        #expect(cookies.contains { $0.hasPrefix("line_login_pending=;") && $0.contains("Max-Age=0") })
        return cookiePair(try #require(cookies.first { $0.hasPrefix("line_session=") }))
    }

    @Test("success: the callback verifies the login and the session cookie authenticates /account")
    func success() async throws {
        try await TestEmulator.run { emulator in
            try await Self.app(Self.webLogin(emulator)).test(.router) { client in
                #expect(try await client.execute(uri: "/account", method: .get).status == .unauthorized)
                let (callback, pending) = try await Self.startLogin(client, emulator)
                let done = try await client.execute(uri: Self.pathAndQuery(callback), method: .get, headers: [.cookie: pending])
                let session = try Self.sessionCookie(done)
                let account = try await client.execute(uri: "/account", method: .get, headers: [.cookie: session])
                #expect(account.status == .ok)
                #expect(String(buffer: account.body) == "\(Self.brown.userID) Brown")
            }
        }
    }

    @Test("cancel: the default error page says so, and no session is set")
    func cancel() async throws {
        try await TestEmulator.run { emulator in
            try await Self.app(Self.webLogin(emulator)).test(.router) { client in
                let (callback, pending) = try await Self.startLogin(client, emulator, choice: .cancel)
                let page = try await client.execute(uri: Self.pathAndQuery(callback), method: .get, headers: [.cookie: pending])
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("You cancelled the login with LINE."))
                #expect(!page.headers[values: .setCookie].contains { $0.hasPrefix("line_session=") })
            }
        }
    }

    @Test("a tampered state is refused before any code exchange")
    func tamperedState() async throws {
        try await TestEmulator.run { emulator in
            try await Self.app(Self.webLogin(emulator)).test(.router) { client in
                let (callback, pending) = try await Self.startLogin(client, emulator)
                var components = try #require(URLComponents(url: callback, resolvingAgainstBaseURL: false))
                components.queryItems = components.queryItems?.map {
                    $0.name == "state" ? URLQueryItem(name: "state", value: "forged") : $0
                }
                let page = try await client.execute(
                    uri: try #require(components.url).path + "?" + (components.query ?? ""),
                    method: .get,
                    headers: [.cookie: pending]
                )
                #expect(page.status == .badRequest)
                #expect(String(buffer: page.body).contains("state mismatch"))
                #expect(!page.headers[values: .setCookie].contains { $0.hasPrefix("line_session=") })
            }
        }
    }

    @Test("a pending authorization that expired, was altered, or is missing ends the login with a 400")
    func expiredPendingAuthorization() async throws {
        try await TestEmulator.run { emulator in
            let clock = AppClock()
            try await Self.app(Self.webLogin(emulator, clock: clock)).test(.router) { client in
                let (callback, pending) = try await Self.startLogin(client, emulator)
                let uri = Self.pathAndQuery(callback)
                let missing = try await client.execute(uri: uri, method: .get)
                #expect(String(buffer: missing.body).contains("not started in this browser"))
                let altered = try await client.execute(uri: uri, method: .get, headers: [.cookie: pending.dropLast(2) + "AA"])
                #expect(altered.status == .badRequest)
                clock.advance(by: 601)
                let expired = try await client.execute(uri: uri, method: .get, headers: [.cookie: pending])
                #expect(expired.status == .badRequest)
                #expect(String(buffer: expired.body).contains("The login took too long."))
            }
        }
    }

    @Test(
        "form_post and form_post.jwt: LINE's auto-submitted form is a POST to the callback, which logs the user in",
        arguments: [ResponseMode.formPost, .formPostJWT]
    )
    func formPost(mode: ResponseMode) async throws {
        try await TestEmulator.run { emulator in
            let login = Self.webLogin(emulator, options: AuthorizationOptions(responseMode: mode))
            try await Self.app(login).test(.router) { client in
                let start = try await client.execute(uri: "/auth/line", method: .get)
                let setCookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("line_login_pending=") })
                #expect(setCookie.contains("SameSite=None") && setCookie.contains("Secure"))
                let location = try #require(start.headers[.location].flatMap(URL.init(string:)))
                let (action, form) = try await emulator.authorizeFormPost(location, choice: .allow(userID: Self.brown.userID))
                #expect(action.absoluteString == Self.callbackURL)
                let done = try await client.execute(
                    uri: action.path,
                    method: .post,
                    headers: [.cookie: Self.cookiePair(setCookie), .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: form)
                )
                let session = try Self.sessionCookie(done)
                #expect(try await client.execute(uri: "/account", method: .get, headers: [.cookie: session]).status == .ok)
            }
        }
    }

    @Test("the app's own handlers get the verified identity (claims with the nonce, profile, tokens) and the failure")
    func appHandlers() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.webLogin(emulator)
            let router = Router(context: Context.self)
            let seen = Mutex<(identity: LineIdentity?, failure: WebLoginFailure?)>((nil, nil))
            router.addLineLogin(
                login,
                onError: { failure, _, _ in
                    seen.withLock { $0.failure = failure }
                    return Response(status: .unprocessableContent)
                },
                onSuccess: { identity, _, _ in
                    seen.withLock { $0.identity = identity }
                    return Response(status: .noContent)
                }
            )
            try await Application(router: router).test(.router) { client in
                let (callback, pending) = try await Self.startLogin(client, emulator)
                try await emulator.injectFault(.init(method: "GET", path: "/v2/profile", action: .status, status: 403, count: 1))
                let failed = try await client.execute(uri: Self.pathAndQuery(callback), method: .get, headers: [.cookie: pending])
                #expect(failed.status == .unprocessableContent)
                let failure = try #require(seen.withLock { $0.failure })
                #expect(failure.requestID?.count == 16)
                #expect(failure.code == .lineAPI, "\(failure)")
                #expect(failure.lineAPIError?.status == 403)

                let (again, againPending) = try await Self.startLogin(client, emulator)
                let done = try await client.execute(uri: Self.pathAndQuery(again), method: .get, headers: [.cookie: againPending])
                #expect(done.status == .noContent)
                let identity = try #require(seen.withLock { $0.identity })
                #expect(identity.userID == Self.brown.userID)
                #expect(identity.claims?.nonce != nil && identity.claims?.audience == Seed.webChannel.channelID)
                #expect(identity.profile?.displayName == "Brown")
                #expect(try await login.client.verify(accessToken: identity.accessToken).value.clientID == Seed.webChannel.channelID)
            }
        }
    }

    @Test("a LINE error on the code exchange reaches the error page with LINE's request ID")
    func lineError() async throws {
        try await TestEmulator.run { emulator in
            try await Self.app(Self.webLogin(emulator)).test(.router) { client in
                let (callback, pending) = try await Self.startLogin(client, emulator)
                try await emulator.injectFault(.init(method: "POST", path: "/oauth2/v2.1/token", action: .status, status: 500, count: 1))
                let page = try await client.execute(uri: Self.pathAndQuery(callback), method: .get, headers: [.cookie: pending])
                #expect(page.status == .badGateway)
                let body = String(buffer: page.body)
                let requestID = try #require(body.split(separator: "id=\"request-id\">").last?.split(separator: "<").first.map(String.init))
                #expect(requestID.count == 16)
                #expect(try await emulator.loggedRequestIDs(path: "/oauth2/v2.1/token", status: 500).contains(requestID))
            }
        }
    }

    @Test("unregister: one call deauthorizes the app at LINE and forgets the session")
    func unregister() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.webLogin(emulator)
            let channelToken = try await ChannelAccessTokenClient(api: login.client.api)
                .issueStateless(channelID: Seed.webChannel.channelID, channelSecret: Seed.webChannel.channelSecret).value.accessToken
            try await Self.app(login, channelAccessToken: channelToken).test(.router) { client in
                let (callback, pending) = try await Self.startLogin(client, emulator)
                let done = try await client.execute(uri: Self.pathAndQuery(callback), method: .get, headers: [.cookie: pending])
                let session = try Self.sessionCookie(done)
                let accessToken = try #require(login.identity(sessionCookie: String(session.dropFirst("line_session=".count)))).accessToken
                let gone = try await client.execute(uri: "/account/unregister", method: .post, headers: [.cookie: session])
                #expect(gone.status == .seeOther)
                #expect(gone.headers[values: .setCookie].contains { $0.hasPrefix("line_session=;") && $0.contains("Max-Age=0") })
                await #expect(throws: LineAPIError.self) { try await login.client.verify(accessToken: accessToken) }
            }
        }
    }
}

/// The app's clock, advanced by the test to expire a pending authorization.
final class AppClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
