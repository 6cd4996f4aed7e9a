import Crypto
import Foundation
import LineMessaging
import LineMessagingVapor
import Synchronization
import Testing
import Vapor
import VaporTesting

@Suite("app.lineWebhook in Vapor")
struct VaporWebhookTests {
    static let secret = "5f0e1d2c3b4a59687766554433221100"

    static func body(_ text: String) -> ByteBuffer {
        ByteBuffer(
            string: """
                {"destination":"U0000000000000000000000000000000a","events":[{"replyToken":"r","type":"message","mode":"active",\
                "timestamp":1462629479859,"source":{"type":"user","userId":"U4af4980629"},"webhookEventId":"01FZ74A0TDDPYRVKNK77XKC3ZR",\
                "deliveryContext":{"isRedelivery":false},"message":{"id":"444573844083572737","type":"text","text":"\(text)"}}]}
                """
        )
    }

    static func signature(_ body: ByteBuffer, secret: String = secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body.readableBytesView), using: SymmetricKey(data: Array(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The app: the route and the dispatcher's lifecycle, as the documentation shows them; texts go to `received`.
    static func configure(_ app: Application, received: Received) {
        let dispatcher = WebhookDispatcher { payload in
            for event in payload.events {
                if case .message(.text(let message)) = event.content { received.texts.withLock { $0.append(message.text) } }
            }
        }
        app.lifecycle.use(WebhookDispatcherLifecycle(dispatcher))
        app.lineWebhook("webhook", parser: WebhookParser(channelSecret: secret), dispatcher: dispatcher, maximumBodySize: "4kb")
    }

    @Test("a signed body is 200 and reaches the handler; no, a wrong or a stale signature is 400; over the limit is 413")
    func route() async throws {
        let received = Received()
        try await withApp(configure: { Self.configure($0, received: received) }) { app in
            let body = Self.body("Hello")
            try await app.testing().test(.POST, "webhook", headers: ["x-line-signature": Self.signature(body)], body: body) {
                #expect($0.status == .ok)
            }
            try await app.testing().test(.POST, "webhook", body: body) { #expect($0.status == .badRequest) }
            try await app.testing().test(.POST, "webhook", headers: ["x-line-signature": Self.signature(body, secret: "x")], body: body) {
                #expect($0.status == .badRequest)
            }
            try await app.testing().test(.POST, "webhook", headers: ["x-line-signature": Self.signature(body)], body: Self.body("Hellp")) {
                #expect($0.status == .badRequest)
            }
            let large = Self.body(String(repeating: "a", count: 8192))
            try await app.testing().test(.POST, "webhook", headers: ["x-line-signature": Self.signature(large)], body: large) {
                #expect($0.status == .payloadTooLarge)
            }
        }
        // The app's shutdown waited for the dispatcher to handle what it accepted.
        #expect(received.texts.withLock { $0 } == ["Hello"])
    }
}

/// The texts the handler saw.
final class Received: Sendable {
    let texts = Mutex<[String]>([])
}
