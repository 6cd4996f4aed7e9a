import Crypto
import Foundation
import HTTPTypes
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import LineMessagingPostgres
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

/// The README's "Using the SDK" examples, each between `// README:` and its checks (ReadmeSyncTests keeps them
/// identical to the README).
@Suite("The README's SDK examples")
struct SDKExampleTests {
    @Test("the API client: LINE itself by default")
    func apiClient() {
        // README:
        let api = LineAPIClient()  // LINE itself; against the emulator:
        // LineAPIClient(configuration: .init(endpoints: .emulator(URL(string: "http://127.0.0.1:8123")!)))
        #expect(api.endpoints == .production)
    }

    @Test("tokens and push, against the emulator")
    func tokensAndPush() async throws {
        try await TestEmulator.run { emulator in
            let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
            let botChannelID = Seed.messagingChannel.channelID
            let botChannelSecret = Seed.messagingChannel.channelSecret
            let userID = Seed.defaultUsers[0].userID
            let (brown, cony) = (Seed.defaultUsers[0].userID, Seed.defaultUsers[1].userID)
            // README:
            let tokens = ChannelTokenProvider(
                channelID: botChannelID,
                credential: .secret(botChannelSecret),
                client: ChannelAccessTokenClient(api: api)
            )
            let messaging = MessagingClient(api: api, tokens: tokens)
            let result = try await messaging.push(to: userID, messages: [try .text("Welcome!")])  // one retry key per send
            try await messaging.multicast(to: [brown, cony], messages: [try .text("The sale starts now")])  // up to 500 users
            try await messaging.broadcast(messages: [try .text("News for every friend")])  // 60 an hour
            let sent = try await messaging.narrowcast(messages: [try .text("For 100 of you")], limit: NarrowcastLimit(max: 100))
            let progress = try await messaging.narrowcastProgress(requestID: sent.acceptedRequestID!)  // phase, counts
            // also webhookEndpoint() and testWebhookEndpoint():
            try await messaging.setWebhookEndpoint(URL(string: "https://bot.example.com/webhook")!)
            #expect(result.sentMessages.count == 1)
            #expect(progress.phase == "succeeded")
        }
    }

    @Test("webhooks: a body signed with the channel secret gives typed events")
    func webhooks() throws {
        let botChannelSecret = Seed.messagingChannel.channelSecret
        let bodyBytes = Array(
            """
            {"destination":"U0","events":[{"replyToken":"r1","type":"follow","mode":"active","timestamp":1705891467176,
            "source":{"type":"user","userId":"U1"},"webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2Q",
            "deliveryContext":{"isRedelivery":false},"follow":{"isUnblocked":false}}]}
            """.utf8
        )
        let mac = HMAC<SHA256>.authenticationCode(for: bodyBytes, using: SymmetricKey(data: Array(botChannelSecret.utf8)))
        var request = HTTPRequest(method: .post, scheme: "https", authority: "example.com", path: "/webhook")
        request.headerFields[HTTPField.Name("x-line-signature")!] = Data(mac).base64EncodedString()
        var welcomed: [String?] = []
        func welcome(replyToken: String?) { welcomed.append(replyToken) }
        // README:
        let parser = WebhookParser(channelSecret: botChannelSecret)
        let signature = request.headerFields[HTTPField.Name("x-line-signature")!]
        let payload = try parser.parse(body: bodyBytes, signature: signature)  // WebhookError → answer 400
        for event in payload.events {
            if case .follow = event.content { welcome(replyToken: event.replyToken) }
        }
        #expect(welcomed == ["r1"])
    }

    /// Compiled, not run: it needs a PostgreSQL server and the app's own services.
    static func fleet(postgres: PostgresClient, app: some Service, api: LineAPIClient, sealingKey: SymmetricKey, logger: Logger)
        async throws -> ServiceGroup
    {
        let botChannelID = "1234567890"
        let botChannelSecret = "0123456789abcdef0123456789abcdef"
        // README:
        let store = PostgresChannelTokenStore(client: postgres)  // the app's PostgresClient, run in its ServiceGroup
        try await store.prepare()  // creates its table; safe when instances start together
        let tokens = ChannelTokenProvider(
            channelID: botChannelID,
            credential: .secret(botChannelSecret),
            client: ChannelAccessTokenClient(api: api),
            store: store,
            sealer: ChannelTokenSealer(key: sealingKey)  // tokens are stored AES-GCM sealed; one key per fleet
        )
        let services = ServiceGroup(configuration: .init(services: [postgres, tokens, app], logger: logger))
        return services
    }
}
