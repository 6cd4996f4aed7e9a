import Crypto
import LineLogin
import LineLoginVapor
import Testing
import Vapor

/// The Swift blocks of LineLoginVapor's DocC catalog, each after `// Catalog:` (DocCArticleSyncTests keeps them
/// identical to the catalog). Compiled; the routes they add are exercised by VaporLoginTests.
enum CatalogExampleTests {
    static func registerRoutes(app: Application, client: LineLoginClient, key: SymmetricKey) throws -> WebLogin {
        // Catalog:
        let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: key)
        try app.register(collection: LineLoginRoutes(line))
        return line
    }

    static func requireUser(app: Application, line: WebLogin, channelToken: String) {
        // Catalog:
        let account = app.grouped(LineSessionAuthenticator(line), LineIdentity.guardMiddleware())
        account.get("account") { request in try request.auth.require(LineIdentity.self).userID }
        account.post("account", "unregister") { request in
            try await line.unregister(request, channelAccessToken: channelToken)
        }
    }
}
