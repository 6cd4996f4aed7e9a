import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LineMessaging
import Testing

/// The Hummingbird route from `WebhookParser`'s documentation, run in-process.
@Suite("Webhook route in Hummingbird")
struct WebhookRouteTests {
    let secret = "5f0e1d2c3b4a59687766554433221100"

    /// The documented route; `received` collects the texts the handler saw.
    func application(received: ReceivedTexts) -> some ApplicationProtocol {
        let parser = WebhookParser(channelSecret: secret)
        let router = Router()
        router.post("/webhook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let payload: WebhookPayload
            do {
                payload = try parser.parse(
                    body: Array(buffer: body),
                    signature: request.headers[HTTPField.Name("x-line-signature")!]
                )
            } catch {
                throw HTTPError(.badRequest)
            }
            for event in payload.events {
                if case .message(.text(let message)) = event.content { await received.append(message.text) }
            }
            return .ok
        }
        return Application(router: router)
    }

    @Test("a signed body is answered 200 and its text reaches the handler; an unsigned one is answered 400")
    func route() async throws {
        let received = ReceivedTexts()
        let body = Array(WebhookSamples.textMessage.utf8)
        let signature = WebhookSamples.signature(of: body, secret: secret)
        try await application(received: received).test(.router) { client in
            let signed = try await client.execute(
                uri: "/webhook",
                method: .post,
                headers: [HTTPField.Name("x-line-signature")!: signature],
                body: ByteBuffer(bytes: body)
            )
            #expect(signed.status == .ok)
            let unsigned = try await client.execute(uri: "/webhook", method: .post, body: ByteBuffer(bytes: body))
            #expect(unsigned.status == .badRequest)
        }
        #expect(await received.texts == ["Good Morning!! (love)"])
    }
}

actor ReceivedTexts {
    private(set) var texts: [String] = []
    func append(_ text: String) { texts.append(text) }
}
