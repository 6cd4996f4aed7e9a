import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LineCore
import LineEmulator
import LineEmulatorPostgres
import LineEmulatorTesting
import LineLogin
import LineMessaging
import LineMessagingPostgres
import Logging
import PostgresNIO
import Testing

/// The Swift examples of the DocC articles (`Sources/*/Documentation.docc`), each between `// Article:` and its checks
/// (DocCArticleSyncTests keeps them identical to the articles). Those that need a server of their own are compiled,
/// not run.
@Suite("The DocC articles' examples")
struct ArticleExampleTests {
    // MARK: LineEmulator

    /// Compiled, not run: it serves until the process stops.
    static func embeddedEmulator() async throws {
        // Article:
        let emulator = try await Emulator(configuration: .init(storage: .inMemory))
        try await emulator.application().runService()
    }

    /// Compiled, not run: it needs a PostgreSQL server.
    static func emulatorOnPostgres() async throws -> Emulator {
        // Article:
        let storage = try Emulator.Configuration.Storage.postgres(url: "postgres://user:password@db.example:5432/linekit")
        let emulator = try await Emulator(configuration: .init(storage: storage))
        return emulator
    }

    // MARK: LineCore, LineMessagingPostgres

    @Test("LineCore: production and emulator endpoints")
    func endpoints() {
        // Article:
        let production = Endpoints.production
        let local = Endpoints.emulator(URL(string: "http://127.0.0.1:8123")!)
        #expect(production.apiBase.host == "api.line.me" && local.apiBase.port == 8123)
    }

    /// Compiled, not run: it needs a PostgreSQL server.
    static func tokenStore(configuration: PostgresClient.Configuration) async throws -> PostgresChannelTokenStore {
        // Article:
        let postgres = PostgresClient(configuration: configuration)  // run it in your ServiceGroup
        let store = PostgresChannelTokenStore(client: postgres)
        try await store.prepare()
        return store
    }

    // MARK: LineLogin

    @Test("Getting started: the channel described once")
    func gettingStarted() {
        let channelSecret = "0123456789abcdef0123456789abcdef"
        let key = SymmetricKey(size: .bits256)
        // Article:
        let api = LineAPIClient()  // LINE itself; against the emulator:
        // LineAPIClient(configuration: .init(endpoints: .emulator(URL(string: "http://127.0.0.1:8123")!)))
        let client = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: channelSecret, api: api))
        let line = WebLogin(client: client, callbackURL: "https://example.com/auth/line/callback", key: key)
        #expect(line.callbackPath == "/auth/line/callback")
    }

    enum LoginFailed: Error { case noIDToken }

    @Test("Verifying ID tokens: with the pending authorization, from a native app, and a refused token")
    func verifyingIDTokens() async throws {
        try await TestEmulator.run { emulator in
            let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
            let channel = Seed.webChannel
            let login = LineLoginClient(configuration: .web(channelID: channel.channelID, channelSecret: channel.channelSecret, api: api))
            let user = Seed.defaultUsers[0].userID
            let redirect = try login.authorizationRedirect(redirectURI: "http://127.0.0.1:8080/callback", scopes: [.profile, .openid])
            let callback = try await emulator.authorize(redirect.url, choice: .allow(userID: user))
            let outcome = await login.handleCallback(pathAndQuery: callback.path + "?" + (callback.query ?? ""), pending: redirect.pending)
            guard case .authorized(let code, _) = outcome else { throw LoginFailed.noIDToken }
            let pending = redirect.pending
            // Article:
            let tokens = try await login.exchange(code: code, pending: pending)
            guard let idToken = tokens.value.idToken else { throw LoginFailed.noIDToken }  // openid was not granted
            let claims = try await login.verifyIDToken(idToken, expecting: IDTokenExpectations(pending: pending))
            // claims.subject is the user ID; claims.email is set when the email scope was granted.
            #expect(claims.subject == user)

            let nonce = try #require(pending.nonce)
            let userID = user
            do {
                // Article:
                let expectations = IDTokenExpectations(nonce: .value(nonce), subject: userID)
                let claims = try await login.verifyIDToken(idToken, expecting: expectations)  // a native channel's client
                #expect(claims.subject == user)
            }

            let logger = Logger(label: "article")
            func subject(of idToken: String, pending: PendingAuthorization) async throws -> String {
                // Article:
                do {
                    let claims = try await login.verifyIDToken(idToken, expecting: IDTokenExpectations(pending: pending))
                    return claims.subject
                } catch let error as LoginError where error.code == .invalidIDToken {
                    logger.warning("refused an ID token: \(error.idTokenFailure.map(String.init(describing:)) ?? "")")
                    throw error
                }
            }
            var other = pending
            other.nonce = "another nonce"
            await #expect(throws: LoginError.invalidIDToken(.wrongNonce)) { try await subject(of: idToken, pending: other) }
        }
    }

    // MARK: LineMessaging

    /// Compiled, not run: it needs a key registered with LINE.
    static func assertionProvider(api: LineAPIClient, keyFileURL: URL, keyID: String) throws -> ChannelTokenProvider {
        let botChannelID = "1234567890"
        let botChannelSecret = "0123456789abcdef0123456789abcdef"
        // Article:
        let signer = JWTAssertionSigner(
            channelID: botChannelID,
            keyID: keyID,
            keys: try AssertionKeyPair(privateJWK: Data(contentsOf: keyFileURL))
        )
        let tokens = ChannelTokenProvider(
            channelID: botChannelID,
            credential: .assertion(signer, tokenLifetime: .seconds(24 * 3600), channelSecret: botChannelSecret),
            client: ChannelAccessTokenClient(api: api)
        )
        return tokens
    }

    @Test("Channel tokens and push: a send retried with its key is not sent twice")
    func pushExactlyOnce() async throws {
        try await TestEmulator.run { emulator in
            let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
            let channel = Seed.messagingChannel
            let tokens = ChannelTokenProvider(
                channelID: channel.channelID,
                credential: .secret(channel.channelSecret),
                client: ChannelAccessTokenClient(api: api)
            )
            let messaging = MessagingClient(api: api, tokens: tokens)
            let userID = Seed.defaultUsers[0].userID
            let orderKey = UUID()
            let logger = Logger(label: "article")
            let first = try await messaging.push(to: userID, messages: [try .text("Your order shipped")], retryKey: orderKey)
            #expect(!first.wasAlreadyAccepted)
            // Article:
            let result = try await messaging.push(to: userID, messages: [try .text("Your order shipped")], retryKey: orderKey)
            if result.wasAlreadyAccepted { logger.info("already sent: \(result.acceptedRequestID ?? "-")") }
            #expect(result.wasAlreadyAccepted && result.sentMessages == first.sentMessages)
        }
    }

    @Test("Webhooks: switching on an event's content")
    func webhookEvents() {
        var seen: [String] = []
        func welcome(_ userID: String?, back: Bool, replyToken: String?) { seen.append("welcome \(userID ?? "")") }
        func answer(_ text: String, replyToken: String?) { seen.append("answer \(text)") }
        let events = [
            WebhookEvent(
                type: "follow",
                timestamp: Date(),
                source: .user(userID: "U1"),
                webhookEventID: "e1",
                content: .follow(isUnblocked: false)
            ),
            WebhookEvent(
                type: "message",
                timestamp: Date(),
                source: .user(userID: "U1"),
                webhookEventID: "e2",
                replyToken: "r2",
                content: .message(.text(.init(id: "m1", text: "hi")))
            ),
        ]
        for event in events {
            // Article:
            switch event.content {
            case .follow(let isUnblocked): welcome(event.source?.userID, back: isUnblocked, replyToken: event.replyToken)
            case .message(.text(let message)): answer(message.text, replyToken: event.replyToken)
            default: break
            }
        }
        #expect(seen == ["welcome U1", "answer hi"])
    }

    // MARK: LineEmulatorTesting

    @Test("LineEmulatorTesting: an emulator per test")
    func testEmulatorOverview() async throws {
        // Article:
        try await TestEmulator.run { emulator in
            let tokenURL = emulator.baseURL.appending(path: "oauth2/v2.1/token")
            #expect(tokenURL.path == "/oauth2/v2.1/token")
        }
    }

    // Article:
    @Test func loginAsBrown() async throws {
        try await TestEmulator.run { emulator in
            let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
            let channel = Seed.webChannel
            let login = LineLoginClient(
                configuration: .web(channelID: channel.channelID, channelSecret: channel.channelSecret, api: api)
            )
            let redirect = try login.authorizationRedirect(
                redirectURI: "http://127.0.0.1:8080/callback",
                scopes: [.profile, .openid]
            )
            let callback = try await emulator.authorize(redirect.url, choice: .allow(userID: Seed.defaultUsers[0].userID))
            let outcome = await login.handleCallback(
                pathAndQuery: callback.path + "?" + (callback.query ?? ""),
                pending: redirect.pending
            )
            guard case .authorized(let code, _) = outcome else {
                Issue.record("\(outcome)")
                return
            }
            let tokens = try await login.exchange(code: code, pending: redirect.pending)
            let idToken = try #require(tokens.value.idToken)
            let claims = try await login.verifyIDToken(idToken, expecting: IDTokenExpectations(pending: redirect.pending))
            #expect(claims.subject == Seed.defaultUsers[0].userID)
        }
    }

    @Test("Testing your app: a seed of your own, the clock, a fault")
    func ownSeedClockAndFault() async throws {
        let secret = "0123456789abcdef0123456789abcdef"
        // Article:
        let seed = Seed(
            channels: [
                Channel(
                    channelID: "1234567890",
                    channelSecret: secret,
                    name: "My app",
                    callbackURLs: ["http://127.0.0.1:8080/auth/line/callback"]
                )
            ],
            users: [User(userID: "U0123456789abcdef0123456789abcdef", displayName: "Taro")]
        )
        try await TestEmulator.run(seed: seed) { emulator in
            // your test, with your channel and user
            #expect(emulator.seed == seed)
        }
        try await TestEmulator.run { emulator in
            let before = emulator.clock.now
            // Article:
            emulator.clock.advance(by: 601)  // the authorization code has now expired
            #expect(emulator.clock.now.timeIntervalSince(before) == 601)
            // Article:
            try await emulator.injectFault(.init(method: "POST", path: "/oauth2/v2.1/token", action: .status, status: 500, count: 1))
            #expect(try await emulator.loggedRequestIDs(path: "/oauth2/v2.1/token", status: 500).isEmpty)
        }
    }
}
