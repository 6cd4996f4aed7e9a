import LineMessaging
import Synchronization
import Vapor

extension RoutesBuilder {
    /// A LINE webhook route: `POST path` collects the raw body (at most `maximumBodySize`, else 413), verifies
    /// `x-line-signature` with `parser`, queues the events on `dispatcher` and answers LINE 200 at once; the app's
    /// handler runs afterwards, on the dispatcher. A missing or wrong signature, or a signed body that is not a
    /// webhook body, is 400 and reaches no handler; a full queue is 503.
    ///
    /// ```swift
    /// let dispatcher = WebhookDispatcher { payload in
    ///     for event in payload.events { try await bot.handle(event) }
    /// }
    /// app.lifecycle.use(WebhookDispatcherLifecycle(dispatcher))
    /// app.lineWebhook("webhook", parser: WebhookParser(channelSecret: channelSecret), dispatcher: dispatcher)
    /// ```
    ///
    /// - Parameters:
    ///   - path: the webhook URL's path components.
    ///   - parser: verifies and decodes with the Messaging API channel's secret.
    ///   - dispatcher: runs the app's handler after the answer; start it with ``WebhookDispatcherLifecycle``.
    ///   - maximumBodySize: the largest body collected (1 MB by default).
    /// - Returns: the route.
    @discardableResult
    public func lineWebhook(
        _ path: PathComponent...,
        parser: WebhookParser,
        dispatcher: WebhookDispatcher,
        maximumBodySize: ByteCount = "1mb"
    ) -> Route {
        on(.POST, path, body: .collect(maxSize: maximumBodySize)) { request async -> HTTPStatus in
            let body = request.body.data ?? ByteBuffer()
            // Vapor enforces the limit while streaming; a body handed over whole (as in-memory tests do) is checked here.
            guard body.readableBytes <= maximumBodySize.value else { return .payloadTooLarge }
            let payload: WebhookPayload
            do throws(WebhookError) {
                payload = try parser.parse(
                    body: body.readableBytesView,
                    signature: request.headers.first(name: WebhookVerifier.signatureHeader)
                )
            } catch {
                request.logger.notice("LINE webhook refused", metadata: ["reason": "\(error.code)"])
                return .badRequest
            }
            return dispatcher.submit(payload) ? .ok : .serviceUnavailable
        }
    }
}

/// Starts a `WebhookDispatcher` when the Vapor app boots, and on shutdown stops it taking payloads and waits for
/// the accepted ones to be handled.
///
/// ```swift
/// app.lifecycle.use(WebhookDispatcherLifecycle(dispatcher))
/// ```
public final class WebhookDispatcherLifecycle: LifecycleHandler, Sendable {
    private let dispatcher: WebhookDispatcher
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// - Parameter dispatcher: the dispatcher the webhook route queues on.
    public init(_ dispatcher: WebhookDispatcher) {
        self.dispatcher = dispatcher
    }

    /// Starts the dispatcher (Vapor's synchronous boot, which `app.testing()` uses).
    ///
    /// - Parameter application: the app that booted.
    /// - Throws: nothing: the dispatcher runs in a task of its own (`throws` is Vapor's `LifecycleHandler` requirement).
    public func didBoot(_ application: Application) throws {
        start()
    }

    /// Starts the dispatcher.
    ///
    /// - Parameter application: the app that booted.
    /// - Throws: nothing: the dispatcher runs in a task of its own (`throws` is Vapor's `LifecycleHandler` requirement).
    public func didBootAsync(_ application: Application) async throws {
        start()
    }

    private func start() {
        let dispatcher = dispatcher
        task.withLock { task in
            if task == nil { task = Task { try? await dispatcher.run() } }
        }
    }

    /// Stops taking payloads (Vapor's synchronous shutdown cannot wait for the queued ones).
    ///
    /// - Parameter application: the app shutting down.
    public func shutdown(_ application: Application) {
        dispatcher.finish()
    }

    /// Stops taking payloads and waits for the accepted ones.
    ///
    /// - Parameter application: the app shutting down.
    public func shutdownAsync(_ application: Application) async {
        dispatcher.finish()
        let running = task.withLock { $0 }
        await running?.value
    }
}
