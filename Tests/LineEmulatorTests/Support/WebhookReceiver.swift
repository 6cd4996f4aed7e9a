import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A webhook receiver on a loopback port for tests: it records every request and answers with a chosen status after
/// a chosen delay.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var headers: [String: String]
        var body: Data

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var events: [[String: Any]] { json["events"] as? [[String: Any]] ?? [] }
    }

    private let received = Mutex<[Received]>([])
    /// Requests being answered now, and the most there ever were at once.
    private let open = Mutex((now: 0, most: 0))
    let url: String

    private init(url: String) { self.url = url }

    var requests: [Received] { received.withLock { $0 } }

    /// The most requests the receiver was answering at the same moment.
    var mostAtOnce: Int { open.withLock { $0.most } }

    private func opened() {
        open.withLock {
            $0.now += 1
            $0.most = max($0.most, $0.now)
        }
    }
    private func closed() { open.withLock { $0.now -= 1 } }

    /// Waits until `count` requests have arrived (at most `timeout`), and returns them in arrival order.
    func waitFor(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while requests.count < count {
            guard ContinuousClock.now < deadline else { throw ReceiverTimeout(expected: count, received: requests.count) }
            try await Task.sleep(for: .milliseconds(10))
        }
        return requests
    }

    struct ReceiverTimeout: Error { var expected: Int, received: Int }

    /// Runs a receiver at `http://127.0.0.1:PORT/webhook` while `body` runs.
    static func run<Result: Sendable>(
        status: HTTPResponse.Status = .ok,
        answer: String = "",
        delay: Duration = .zero,
        _ body: (WebhookReceiver) async throws -> Result
    ) async throws -> Result {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let box = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        router.post("/webhook") { request, context -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let receiver = box.withLock { $0 }
            receiver?.opened()
            defer { receiver?.closed() }
            receiver?.received.withLock { $0.append(Received(headers: headers, body: Data(bytes.readableBytesView))) }
            if delay > .zero { try? await Task.sleep(for: delay) }
            // No keep-alive: the receiver's shutdown then waits for no idle connection of the emulator's client.
            return Response(status: status, headers: [.connection: "close"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        )
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let receiver = WebhookReceiver(url: "http://127.0.0.1:\(port)/webhook")
            box.withLock { $0 = receiver }
            do {
                let result = try await body(receiver)
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }
}
