import Logging
import ServiceLifecycle
import Synchronization

/// Runs the app's webhook handler after the route has answered LINE: LINE waits only briefly for the 200 (and counts
/// a slow answer as a failed delivery), so a webhook route verifies, queues the payload here and answers at once.
///
/// The queue is bounded (``submit(_:)`` returns `false` when it is full, and the route answers 503 so LINE's
/// redelivery can try again), and so is the number of handlers running at once. A handler that throws is logged with
/// the payload's destination and event count, never silently dropped. The dispatcher is a swift-service-lifecycle
/// `Service`: add it to the app's services; on graceful shutdown it stops taking payloads and finishes the ones it
/// accepted.
///
/// ```swift
/// let dispatcher = WebhookDispatcher { payload in
///     for event in payload.events { try await handle(event) }
/// }
/// let app = Application(router: router, services: [dispatcher])
/// ```
public final class WebhookDispatcher: Service, Sendable {
    /// What the app does with a verified payload.
    ///
    /// - Throws: whatever the app's handling fails with; the dispatcher logs it with the payload's destination and
    ///   event count and goes on with the next payload (LINE has already had its 200, so nothing is redelivered).
    public typealias Handler = @Sendable (WebhookPayload) async throws -> Void

    private let handler: Handler
    private let maximumConcurrentHandlers: Int
    private let logger: Logger
    private let payloads: AsyncStream<WebhookPayload>
    private let continuation: AsyncStream<WebhookPayload>.Continuation
    private let hasRun = Mutex(false)

    /// - Parameters:
    ///   - maximumConcurrentHandlers: how many payloads are handled at once (at least 1); the events of one payload
    ///     are the handler's, in LINE's order.
    ///   - queueCapacity: how many accepted payloads may wait for a handler (at least 1).
    ///   - logger: where handler errors go.
    ///   - handler: what to do with each payload.
    public init(
        maximumConcurrentHandlers: Int = 8,
        queueCapacity: Int = 1024,
        logger: Logger = Logger(label: "LineMessaging.WebhookDispatcher"),
        handler: @escaping Handler
    ) {
        self.handler = handler
        self.maximumConcurrentHandlers = max(1, maximumConcurrentHandlers)
        self.logger = logger
        (payloads, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(max(1, queueCapacity)))
    }

    /// Queues a verified payload for the handler.
    ///
    /// - Parameter payload: the payload the route verified.
    /// - Returns: `false` when the queue is full or the dispatcher has finished: answer LINE with an error then.
    public func submit(_ payload: WebhookPayload) -> Bool {
        if case .enqueued = continuation.yield(payload) { return true }
        logger.warning("webhook payload refused: the queue is full or closed", metadata: ["events": "\(payload.events.count)"])
        return false
    }

    /// Stops taking payloads; ``run()`` returns once the queued ones are handled.
    public func finish() {
        continuation.finish()
    }

    /// Handles queued payloads until ``finish()`` or graceful shutdown, then handles what is left and returns. Only
    /// the first call runs; later calls return at once.
    ///
    /// - Throws: nothing in practice: a handler's error is logged, never rethrown (`throws` is the `Service`
    ///   protocol's requirement).
    public func run() async throws {
        guard
            hasRun.withLock({ ran in
                defer { ran = true }; return !ran
            })
        else { return }
        await withGracefulShutdownHandler {
            await handleAll()
        } onGracefulShutdown: {
            self.finish()
        }
    }

    private func handleAll() async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await payload in payloads {
                if running == maximumConcurrentHandlers {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.handle(payload) }
                running += 1
            }
        }
    }

    private func handle(_ payload: WebhookPayload) async {
        do {
            try await handler(payload)
        } catch {
            logger.error(
                "webhook handler failed",
                metadata: ["error": "\(error)", "destination": "\(payload.destination)", "events": "\(payload.events.count)"]
            )
        }
    }
}
