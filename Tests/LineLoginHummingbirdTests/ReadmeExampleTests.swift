import Crypto
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import LineCore
import LineLogin
import LineLoginHummingbird
import Testing

@Suite("The README's Hummingbird example")
struct ReadmeExampleTests {
    @Test("the lines the README shows build an app that redirects to LINE and guards /account")
    func readmeLines() async throws {
        let api = LineAPIClient()
        let channelSecret = "0123456789abcdef0123456789abcdef"
        let key = SymmetricKey(size: .bits256)
        // The README's lines, as printed:
        let client = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: channelSecret, api: api))
        // key: a SymmetricKey shared by every instance
        let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: key)

        let router = Router(context: BasicAuthRequestContext<LineIdentity>.self)
        router.addLineLogin(line)  // GET /auth/line → LINE → /auth/line/callback → session cookie → "/"
        router.group("account").add(middleware: LineSessionAuthenticator(line)).add(middleware: IsAuthenticatedMiddleware())
            .get { _, context in "Hello, \(try context.requireIdentity().displayName ?? "")" }
        // …checked:
        try await Application(router: router).test(.router) { client in
            let start = try await client.execute(uri: "/auth/line", method: .get)
            #expect(start.status == .found)
            #expect(start.headers[.location]?.hasPrefix("https://access.line.me/oauth2/v2.1/authorize?") == true)
            let cookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("line_login_pending=") })
            #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(try await client.execute(uri: "/account", method: .get).status == .unauthorized)
        }
    }
}
