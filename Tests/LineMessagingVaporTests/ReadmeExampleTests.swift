import LineMessaging
import LineMessagingVapor
import Synchronization
import Testing
import Vapor
import VaporTesting

@Suite("The README's Vapor webhook example")
struct ReadmeExampleTests {
    @Test("the lines the README shows answer a signed webhook 200 and run the dispatcher's handler")
    func readmeLines() async throws {
        let received = Received()
        let botChannelSecret = VaporWebhookTests.secret
        let dispatcher = WebhookDispatcher { payload in
            for event in payload.events {
                if case .message(.text(let text)) = event.content { received.texts.withLock { $0.append(text.text) } }
            }
        }
        try await withApp { app in
            // The README's lines, as printed:
            app.lifecycle.use(WebhookDispatcherLifecycle(dispatcher))
            app.lineWebhook("webhook", parser: WebhookParser(channelSecret: botChannelSecret), dispatcher: dispatcher)
            // …checked:
            let body = VaporWebhookTests.body("Hello")
            try await app.testing().test(.POST, "webhook", headers: ["x-line-signature": VaporWebhookTests.signature(body)], body: body) {
                #expect($0.status == .ok)
            }
        }
        #expect(received.texts.withLock { $0 } == ["Hello"], "the app's shutdown waited for the handler")
    }
}
