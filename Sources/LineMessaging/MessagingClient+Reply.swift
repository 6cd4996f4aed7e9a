import Foundation
import HTTPTypes
import LineCore

/// The outcome of a reply.
public struct ReplyResult: Sendable, Equatable {
    /// The messages LINE sent, in order.
    public var sentMessages: [SentMessage]
    /// `x-line-request-id` of the reply.
    public var requestID: String?
}

extension MessagingClient {
    /// Replies to a webhook event with 1–5 messages (`POST /v2/bot/message/reply`).
    ///
    /// A reply token works once, and only for a short time after the event (LINE documents one minute), so reply
    /// while handling the event. LINE takes no retry key here: a reply that fails with a 5xx or a timeout is not
    /// repeated (it could be sent twice); push instead if you must be sure.
    ///
    /// ```swift
    /// if case .message(.text(let text)) = event.content, let replyToken = event.replyToken {
    ///     try await messaging.reply(to: replyToken, messages: [try .text("You said: \(text.text)")])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - replyToken: the `replyToken` of the webhook event.
    ///   - messages: 1 to 5 messages.
    ///   - notificationDisabled: whether to send without a notification.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/messageCount`` for other than 1 to 5 messages, the provider's errors when no token can be
    ///   had, or `LineAPIError` when LINE refuses the reply (400 `Invalid reply token` for a used or expired token).
    public func reply(to replyToken: String, messages: [Message], notificationDisabled: Bool = false) async throws -> ReplyResult {
        guard (1...5).contains(messages.count) else { throw MessagingError.messageCount(messages.count) }
        struct Body: Encodable {
            var replyToken: String
            var messages: [Message]
            var notificationDisabled: Bool
        }
        let body = Body(replyToken: replyToken, messages: messages, notificationDisabled: notificationDisabled)
        let response = try await authorizedSend(.post, "/v2/bot/message/reply", body: body, idempotent: false)
        struct Sent: Decodable, Sendable { var sentMessages: [SentMessage] }
        let sent = try api.decode(Sent.self, from: response)
        return ReplyResult(sentMessages: sent.value.sentMessages, requestID: sent.requestID)
    }
}
