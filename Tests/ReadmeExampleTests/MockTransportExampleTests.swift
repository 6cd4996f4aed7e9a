import HTTPTypes
import LineCore
import LineKitTesting
import LineMessaging
import Testing

// The README's "Testing your code without sockets", as printed:

@Test func welcomePushIsSent() async throws {
    let transport = MockTransport()  // records every request, answers like LINE
    transport.respond(to: .post, path: "/v2/oauth/accessToken", with: .channelAccessToken("test-token"))
    transport.respond(to: .post, path: "/v2/bot/message/push", with: .sentMessages(["m1"]))
    let api = LineAPIClient(configuration: .init(transport: transport))
    let tokens = ChannelTokenProvider(
        channelID: "1234567890",
        credential: .secret("channel-secret"),
        client: ChannelAccessTokenClient(api: api)
    )
    let messaging = MessagingClient(api: api, tokens: tokens)
    _ = try await messaging.push(to: "U1234", messages: [try .text("Welcome!")])
    let push = try #require(transport.requests(to: "/v2/bot/message/push").first)
    #expect(push.headers[.authorization] == "Bearer test-token")
}
