import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LineMessaging
import LineMessagingHummingbird
import Testing

@Suite("router.lineWebhook in Hummingbird")
struct WebhookRouteTests {
    static let signature = HTTPField.Name("x-line-signature")!

    static func app(_ dispatcher: WebhookDispatcher, maximumBodySize: Int = 1 << 20) -> some ApplicationProtocol {
        let router = Router()
        router.lineWebhook(
            "/webhook",
            parser: WebhookParser(channelSecret: Webhook.secret),
            dispatcher: dispatcher,
            maximumBodySize: maximumBodySize
        )
        return Application(router: router)
    }

    static func post(_ client: some TestClientProtocol, _ body: [UInt8], signature: String?) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[Self.signature] = signature }
        return try await client.execute(uri: "/webhook", method: .post, headers: headers, body: ByteBuffer(bytes: body)).status
    }

    @Test("a signed body is answered 200 and its events reach the handler")
    func signed() async throws {
        let received = ReceivedTexts()
        let dispatcher = WebhookDispatcher { payload in Webhook.text(of: payload).map(received.append) }
        try await withRunning(dispatcher) { () async throws in
            try await Self.app(dispatcher).test(.router) { client async throws in
                let body = Webhook.textBody("Hello")
                #expect(try await Self.post(client, body, signature: Webhook.signature(of: body)) == .ok)
            }
            #expect(try await received.wait(for: 1) == ["Hello"])
        }
    }

    @Test("no signature, a wrong one, a changed body or a signed non-webhook body is 400 and reaches no handler")
    func refused() async throws {
        let received = ReceivedTexts()
        let dispatcher = WebhookDispatcher { payload in Webhook.text(of: payload).map(received.append) }
        try await withRunning(dispatcher) { () async throws in
            try await Self.app(dispatcher).test(.router) { client async throws in
                let body = Webhook.textBody("Hello")
                let signature = Webhook.signature(of: body)
                #expect(try await Self.post(client, body, signature: nil) == .badRequest)
                #expect(try await Self.post(client, body, signature: Webhook.signature(of: body, secret: "another secret")) == .badRequest)
                #expect(try await Self.post(client, Webhook.textBody("Hellp"), signature: signature) == .badRequest)
                #expect(try await Self.post(client, body, signature: "not base64!") == .badRequest)
                let notWebhook = Array(#"{"hello":"world"}"#.utf8)
                #expect(try await Self.post(client, notWebhook, signature: Webhook.signature(of: notWebhook)) == .badRequest)
            }
        }
        #expect(received.all.isEmpty)
    }

    @Test("a body over the limit is 413")
    func tooLarge() async throws {
        let dispatcher = WebhookDispatcher { _ in }
        try await withRunning(dispatcher) { () async throws in
            try await Self.app(dispatcher, maximumBodySize: 64).test(.router) { client async throws in
                let body = Webhook.textBody("Hello")
                #expect(try await Self.post(client, body, signature: Webhook.signature(of: body)) == .contentTooLarge)
            }
        }
    }

    @Test("LINE gets its 200 while the handler is still working")
    func answersFirst() async throws {
        let gate = Gate()
        let received = ReceivedTexts()
        let dispatcher = WebhookDispatcher { payload in
            await gate.wait()
            Webhook.text(of: payload).map(received.append)
        }
        try await withRunning(dispatcher) { () async throws in
            try await Self.app(dispatcher).test(.router) { client async throws in
                let body = Webhook.textBody("slow")
                #expect(try await Self.post(client, body, signature: Webhook.signature(of: body)) == .ok)
            }
            #expect(received.all.isEmpty, "answered while the handler waits at the gate")
            gate.open()
            #expect(try await received.wait(for: 1) == ["slow"])
        }
    }

    @Test("a full queue is 503, so LINE's redelivery can try again")
    func fullQueue() async throws {
        // Not running: nothing leaves the queue of one.
        let dispatcher = WebhookDispatcher(queueCapacity: 1) { _ in }
        try await Self.app(dispatcher).test(.router) { client async throws in
            let body = Webhook.textBody("Hello")
            #expect(try await Self.post(client, body, signature: Webhook.signature(of: body)) == .ok)
            #expect(try await Self.post(client, body, signature: Webhook.signature(of: body)) == .serviceUnavailable)
        }
        dispatcher.finish()
    }
}
