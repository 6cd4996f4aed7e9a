import Crypto
import Foundation
import Logging

/// Sends webhooks off the request path: a request that produces an event records the delivery and enqueues it here,
/// then answers at once; worker tasks POST the deliveries and record each outcome. A user's events reach a channel in
/// the order they happened; other conversations are sent at the same time, so one slow receiver delays no other.
///
/// With several instances on one PostgreSQL store, the instance that produced an event delivers it; a delivery still
/// queued when its instance stops stays `pending` (see docs/SCALING.md).
package final class WebhookDeliverer: Sendable {
    private let queue = WebhookQueue<WebhookDelivery>(limit: concurrencyLimit)
    private let store: any EmulatorStore
    private let sender: any WebhookSending
    private let logger: Logger
    /// How long a receiver has to answer. LINE does not publish its own limit.
    let timeout: Duration

    /// Deliveries sent at once at most; more wait in the queue.
    static let concurrencyLimit = 32

    package init(store: any EmulatorStore, sender: any WebhookSending, timeout: Duration, logger: Logger) {
        self.store = store
        self.sender = sender
        self.timeout = timeout
        self.logger = logger
    }

    /// Queues a recorded delivery of `userID`'s events; returns at once. A user's deliveries to one channel are sent
    /// one after another, in the order queued; other users' and channels' at the same time (``WebhookQueue``). A
    /// worker task runs only while there is work, so an idle emulator holds no task (and its store is released as soon
    /// as the emulator is).
    func enqueue(_ delivery: WebhookDelivery, userID: String) {
        guard queue.push(delivery, conversation: .init(channelID: delivery.channelID, userID: userID)) else { return }
        Task { [queue, store, sender, timeout, logger] in
            var finished: WebhookQueue<WebhookDelivery>.Conversation?
            while let (next, conversation) = queue.next(finishing: finished) {
                do {
                    _ = try await Self.attempt(next, store: store, sender: sender, timeout: timeout)
                } catch {
                    logger.warning("webhook delivery \(next.id) stays pending: \(error)")
                }
                finished = conversation
            }
        }
    }

    /// Sends a body now and returns the attempt, recording nothing (the test endpoint).
    func sendNow(url: String, body: Data, channelSecret: String) async -> WebhookAttempt {
        await sender.send(url: url, body: body, headers: Self.headers(body: body, channelSecret: channelSecret), timeout: timeout)
    }

    /// POSTs the delivery, signed with its channel's current secret, and records the outcome.
    static func attempt(
        _ delivery: WebhookDelivery,
        store: any EmulatorStore,
        sender: any WebhookSending,
        timeout: Duration
    ) async throws -> WebhookDelivery {
        var result = delivery
        if let channel = try await store.channel(id: delivery.channelID) {
            let attempt = await sender.send(
                url: delivery.url,
                body: delivery.body,
                headers: headers(body: delivery.body, channelSecret: channel.channelSecret),
                timeout: timeout
            )
            result.state = attempt.isSuccess ? .delivered : .failed
            result.statusCode = attempt.statusCode
            result.latencyMilliseconds = attempt.latencyMilliseconds
            result.responseExcerpt = attempt.responseExcerpt
            result.error = attempt.error
        } else {
            result.state = .failed
            result.error = "the channel no longer exists"
        }
        try await store.recordDeliveryOutcome(result)
        return result
    }

    /// LINE's webhook request headers: JSON in UTF-8, its user agent and the body's signature.
    static func headers(body: Data, channelSecret: String) -> [(String, String)] {
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("User-Agent", "LineBotWebhook/2.0"),
            ("x-line-signature", signature(of: body, channelSecret: channelSecret)),
        ]
    }

    /// Base64 of the HMAC-SHA256 of the exact body bytes, keyed with the channel secret.
    static func signature(of body: Data, channelSecret: String) -> String {
        let key = SymmetricKey(data: Data(channelSecret.utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: body, using: key)).base64EncodedString()
    }
}
