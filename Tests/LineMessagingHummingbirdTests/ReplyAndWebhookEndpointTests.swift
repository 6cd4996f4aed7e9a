import Foundation
import Hummingbird
import HummingbirdTesting
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import LineMessagingHummingbird
import Testing

/// `reply` and the webhook endpoint calls against the emulator over HTTP, as LINE's OpenAPI document and reference
/// describe them, with a real `router.lineWebhook` receiver.
@Suite("MessagingClient reply and webhook endpoint against the emulator")
struct ReplyAndWebhookEndpointTests {
    static func messaging(_ emulator: TestEmulator) -> MessagingClient {
        let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
        let bot = Seed.messagingChannel
        let tokens = ChannelTokenProvider(
            channelID: bot.channelID,
            credential: .secret(bot.channelSecret),
            client: ChannelAccessTokenClient(api: api)
        )
        return MessagingClient(api: api, tokens: tokens)
    }

    @Test("setWebhookEndpoint, then webhookEndpoint reads it back; testWebhookEndpoint delivers a signed request to it")
    func webhookEndpoint() async throws {
        let deliveries = ReceivedTexts()
        let dispatcher = WebhookDispatcher { payload in deliveries.append("\(payload.events.count) events") }
        let router = Router()
        router.lineWebhook("/webhook", parser: WebhookParser(channelSecret: Seed.messagingChannel.channelSecret), dispatcher: dispatcher)
        try await withRunning(dispatcher) { () async throws in
            try await Application(router: router).test(.live) { client async throws in
                let port = try #require(client.port)
                let url = try #require(URL(string: "http://127.0.0.1:\(port)/webhook"))
                try await TestEmulator.run { emulator in
                    let messaging = Self.messaging(emulator)
                    try await messaging.setWebhookEndpoint(url)
                    #expect(try await messaging.webhookEndpoint().endpoint == url.absoluteString)
                    let result = try await messaging.testWebhookEndpoint()
                    #expect(result.success == true)
                    #expect(result.statusCode == 200)
                    #expect(abs(result.timestamp.timeIntervalSinceNow) < 60)
                    #expect(try await deliveries.wait(for: 1).count == 1, "the receiver verified the test delivery's signature")
                }
            }
        }
    }

    @Test("a reply with a token LINE never issued is LINE's 400 Invalid reply token")
    func invalidReplyToken() async throws {
        try await TestEmulator.run { emulator in
            do {
                _ = try await Self.messaging(emulator).reply(to: "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA", messages: [try .text("Hi")])
                Issue.record("expected 400")
            } catch let error as LineAPIError {
                #expect(error.status == 400)
                #expect(error.message == "Invalid reply token")
            }
        }
    }
}
