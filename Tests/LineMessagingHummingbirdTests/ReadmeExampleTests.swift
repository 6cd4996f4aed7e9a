import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LineCore
import LineMessaging
import LineMessagingHummingbird
import Synchronization
import Testing

@Suite("The README's Hummingbird webhook example")
struct ReadmeExampleTests {
    @Test("the lines the README shows answer LINE 200, then reply to the text through the Messaging API")
    func readmeLines() async throws {
        let line = ReplyRecorder()
        let messaging = MessagingClient(
            api: LineAPIClient(configuration: .init(transport: line)),
            tokens: ChannelTokenProvider(
                channelID: "2000000003",
                credential: .secret("a1b2c3d4e5f60718293a4b5c6d7e8f90"),
                client: ChannelAccessTokenClient(api: LineAPIClient(configuration: .init(transport: line)))
            )
        )
        let botChannelSecret = Webhook.secret

        // The README's lines, as printed:
        let dispatcher = WebhookDispatcher { payload in  // runs after LINE has its 200
            for event in payload.events {
                if case .message(.text(let text)) = event.content, let replyToken = event.replyToken {
                    _ = try await messaging.reply(to: replyToken, messages: [try .text("You said: \(text.text)")])
                }
            }
        }
        let router = Router()
        router.lineWebhook("/webhook", parser: WebhookParser(channelSecret: botChannelSecret), dispatcher: dispatcher)
        let app = Application(router: router, services: [dispatcher])

        // …checked, with the dispatcher running as the app's service:
        try await withRunning(dispatcher) { () async throws in
            try await app.test(.router) { client async throws in
                let body = Webhook.textBody("Hello", replyToken: "r-1")
                let response = try await client.execute(
                    uri: "/webhook",
                    method: .post,
                    headers: [HTTPField.Name("x-line-signature")!: Webhook.signature(of: body)],
                    body: ByteBuffer(bytes: body)
                )
                #expect(response.status == .ok)
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while line.replies.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(line.replies == [#"r-1: You said: Hello"#])
    }
}

/// Stands in for LINE: issues a token, and answers `POST /v2/bot/message/reply`, keeping `replyToken: text`.
final class ReplyRecorder: LineTransport {
    private let recorded = Mutex<[String]>([])
    var replies: [String] { recorded.withLock { $0 } }

    func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        let json: HTTPFields = [.contentType: "application/json"]
        if request.url.path == "/v2/oauth/accessToken" {
            let token = #"{"access_token":"t","expires_in":2592000,"token_type":"Bearer"}"#
            return LineHTTPResponse(status: 200, headers: json, body: Data(token.utf8))
        }
        let body = request.body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        let text = ((body["messages"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        recorded.withLock { $0.append("\(body["replyToken"] as? String ?? "-"): \(text)") }
        return LineHTTPResponse(status: 200, headers: json, body: Data(#"{"sentMessages":[{"id":"1"}]}"#.utf8))
    }
}
