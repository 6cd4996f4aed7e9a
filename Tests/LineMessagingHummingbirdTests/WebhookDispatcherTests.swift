import Foundation
import LineMessaging
import Synchronization
import Testing

@Suite("WebhookDispatcher")
struct WebhookDispatcherTests {
    static func payload(_ text: String) throws -> WebhookPayload {
        try JSONDecoder().decode(WebhookPayload.self, from: Data(Webhook.textBody(text)))
    }

    @Test("a handler that throws is logged with the destination and event count, and later payloads still run")
    func errorsAreLogged() async throws {
        struct Failure: Error {}
        let log = LogRecorder()
        let received = ReceivedTexts()
        let dispatcher = WebhookDispatcher(logger: log.logger) { payload in
            if Webhook.text(of: payload) == "fail" { throw Failure() }
            Webhook.text(of: payload).map(received.append)
        }
        let (fail, after) = (try Self.payload("fail"), try Self.payload("after"))
        let texts = try await withRunning(dispatcher) { () async throws -> [String] in
            #expect(dispatcher.submit(fail))
            #expect(dispatcher.submit(after))
            return try await received.wait(for: 1)
        }
        #expect(texts == ["after"])
        #expect(log.all.contains { $0.hasPrefix("error webhook handler failed") && $0.contains("events=1") && $0.contains("Failure") })
    }

    @Test("at most maximumConcurrentHandlers run at once, and every accepted payload is handled (20 trials of 40 payloads)")
    func boundedConcurrency() async throws {
        let payloads = try (0..<40).map { try Self.payload("p\($0)") }
        for _ in 0..<20 {
            let counts = Mutex<(running: Int, most: Int, done: Int)>((0, 0, 0))
            let dispatcher = WebhookDispatcher(maximumConcurrentHandlers: 3) { _ in
                counts.withLock {
                    $0.running += 1; $0.most = max($0.most, $0.running)
                }
                try await Task.sleep(for: .milliseconds(1))
                counts.withLock {
                    $0.running -= 1; $0.done += 1
                }
            }
            try await withRunning(dispatcher) { () async throws in
                await withTaskGroup(of: Void.self) { group in
                    for payload in payloads { group.addTask { #expect(dispatcher.submit(payload)) } }
                }
            }
            let final = counts.withLock { $0 }
            #expect(final.most <= 3 && final.most >= 1)
            #expect(final.done == 40, "finish() drains what was accepted")
        }
    }

    @Test("after finish() nothing more is accepted, and a second run() returns at once")
    func finished() async throws {
        let dispatcher = WebhookDispatcher { _ in }
        try await withRunning(dispatcher) {}
        let late = try Self.payload("late")
        #expect(!dispatcher.submit(late))
        try await dispatcher.run()
    }
}
