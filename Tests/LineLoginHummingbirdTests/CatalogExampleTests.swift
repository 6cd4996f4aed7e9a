import Crypto
import Hummingbird
import HummingbirdAuth
import LineLogin
import LineLoginHummingbird
import Testing

/// The Swift blocks of LineLoginHummingbird's DocC catalog, each after `// Catalog:` (DocCArticleSyncTests keeps them
/// identical to the catalog). Compiled; the routes they add are exercised by HummingbirdLoginTests.
enum CatalogExampleTests {
    static func addRoutes(client: LineLoginClient, key: SymmetricKey, router: Router<BasicAuthRequestContext<LineIdentity>>) {
        // Catalog:
        let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: key)
        router.addLineLogin(line)
    }

    static func requireUser(line: WebLogin, channelToken: String) -> Router<BasicAuthRequestContext<LineIdentity>> {
        // Catalog:
        let router = Router(context: BasicAuthRequestContext<LineIdentity>.self)
        router.addLineLogin(line)
        let account = router.group("account")
            .add(middleware: LineSessionAuthenticator(line))
            .add(middleware: IsAuthenticatedMiddleware())
        account.get { _, context in try context.requireIdentity().displayName ?? "" }
        account.post("unregister") { _, context in
            try await line.unregister(try context.requireIdentity(), channelAccessToken: channelToken)
        }
        return router
    }
}
