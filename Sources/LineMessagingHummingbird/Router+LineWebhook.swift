import HTTPTypes
import Hummingbird
import LineMessaging
import Logging

extension RouterMethods {
    /// A LINE webhook route: `POST path` reads the raw body (at most `maximumBodySize` bytes, else 413), verifies
    /// `x-line-signature` with `parser`, queues the events on `dispatcher` and answers LINE 200 at once; the app's
    /// handler runs afterwards, on the dispatcher. A missing or wrong signature, or a signed body that is not a
    /// webhook body, is 400 and reaches no handler; a full queue is 503.
    ///
    /// ```swift
    /// let dispatcher = WebhookDispatcher { payload in
    ///     for event in payload.events { try await bot.handle(event) }
    /// }
    /// router.lineWebhook("/webhook", parser: WebhookParser(channelSecret: channelSecret), dispatcher: dispatcher)
    /// let app = Application(router: router, services: [dispatcher])
    /// ```
    ///
    /// - Parameters:
    ///   - path: the webhook URL's path, as set in the LINE Developers Console or with `setWebhookEndpoint(_:)`.
    ///   - parser: verifies and decodes with the Messaging API channel's secret.
    ///   - dispatcher: runs the app's handler after the answer; add it to the app's services.
    ///   - maximumBodySize: the largest body read, in bytes (1 MiB by default).
    /// - Returns: the router, to chain further routes.
    @discardableResult
    public func lineWebhook(
        _ path: RouterPath = "/webhook",
        parser: WebhookParser,
        dispatcher: WebhookDispatcher,
        maximumBodySize: Int = 1 << 20
    ) -> Self {
        post(path) { request, context -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: maximumBodySize)
            let payload: WebhookPayload
            do throws(WebhookError) {
                payload = try parser.parse(body: body.readableBytesView, signature: request.headers[.lineSignature])
            } catch {
                context.logger.notice("LINE webhook refused", metadata: ["reason": "\(error.code)"])
                return .badRequest
            }
            return dispatcher.submit(payload) ? .ok : .serviceUnavailable
        }
    }
}

extension HTTPField.Name {
    /// `x-line-signature`, LINE's webhook signature.
    static let lineSignature = HTTPField.Name(WebhookVerifier.signatureHeader)!
}
