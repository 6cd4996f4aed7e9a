import Crypto
import LineCore
import LineLogin
import LineLoginVapor
import Testing
import Vapor
import VaporTesting

@Suite("The README's Vapor example")
struct ReadmeExampleTests {
    @Test("the lines the README shows build an app that redirects to LINE and guards /account")
    func readmeLines() async throws {
        let client = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: "0123456789abcdef0123456789abcdef"))
        let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: SymmetricKey(size: .bits256))
        try await withApp { app in
            // The README's lines, as printed:
            try app.register(collection: LineLoginRoutes(line))
            app.grouped(LineSessionAuthenticator(line), LineIdentity.guardMiddleware())
                .get("account") { request in "Hello, \(try request.auth.require(LineIdentity.self).displayName ?? "")" }
            // …checked:
            try await app.testing().test(.GET, "/auth/line") { response in
                #expect(response.status == .found)
                #expect(response.headers.first(name: .location)?.hasPrefix("https://access.line.me/oauth2/v2.1/authorize?") == true)
                let cookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("line_login_pending=") })
                #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            }
            try await app.testing().test(.GET, "/account") { #expect($0.status == .unauthorized) }
        }
    }
}
