import Crypto
import Foundation
import LineMessaging
import Logging
import Synchronization

/// Signed webhook bodies and small helpers shared by the route and dispatcher tests.
enum Webhook {
    static let secret = "5f0e1d2c3b4a59687766554433221100"

    /// A body with one text message event from a user, in the shape of LINE's reference example.
    static func textBody(_ text: String, replyToken: String = "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA") -> [UInt8] {
        let json = """
            {"destination":"U0000000000000000000000000000000a","events":[{"replyToken":"\(replyToken)","type":"message",\
            "mode":"active","timestamp":1462629479859,"source":{"type":"user","userId":"U4af4980629"},\
            "webhookEventId":"01FZ74A0TDDPYRVKNK77XKC3ZR","deliveryContext":{"isRedelivery":false},\
            "message":{"id":"444573844083572737","type":"text","quoteToken":"q3Plxr4AgKd","text":"\(text)"}}]}
            """
        return Array(json.utf8)
    }

    /// base64(HMAC-SHA256(secret, body)), computed apart from the SDK.
    static func signature(of body: [UInt8], secret: String = secret) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))).base64EncodedString()
    }

    /// The text of a payload's first event, if it is a text message.
    static func text(of payload: WebhookPayload) -> String? {
        guard case .message(.text(let message)) = payload.events.first?.content else { return nil }
        return message.text
    }
}

/// Texts the handler saw, in order, with a way to wait for a count.
final class ReceivedTexts: Sendable {
    private let texts = Mutex<[String]>([])
    var all: [String] { texts.withLock { $0 } }

    func append(_ text: String) { texts.withLock { $0.append(text) } }

    /// Waits until `count` texts arrived (polling, at most `seconds`).
    func wait(for count: Int, seconds: Double = 30) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while all.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return all
    }
}

/// A gate a handler waits at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resume = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Keeps log messages, to check that handler errors are logged.
final class LogRecorder: Sendable {
    private let messages = Mutex<[String]>([])
    var all: [String] { messages.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let details = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.messages.withLock { $0.append("\(event.level) \(event.message) \(details)") }
        }
    }
}

/// Runs `dispatcher` for the length of `body`, then finishes it and waits for it to drain.
func withRunning<T: Sendable>(_ dispatcher: WebhookDispatcher, _ body: () async throws -> T) async throws -> T {
    let running = Task { try await dispatcher.run() }
    do {
        let result = try await body()
        dispatcher.finish()
        try await running.value
        return result
    } catch {
        dispatcher.finish()
        try? await running.value
        throw error
    }
}
