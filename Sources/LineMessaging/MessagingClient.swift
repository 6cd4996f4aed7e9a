import Foundation
import HTTPTypes
import LineCore

/// One message LINE accepted.
public struct SentMessage: Sendable, Decodable, Equatable {
    /// LINE's ID of the sent message.
    public var id: String
    /// The token to quote the message later, when LINE gave one.
    public var quoteToken: String?
}

/// The outcome of a push.
public struct PushResult: Sendable, Equatable {
    /// The messages LINE sent, in order.
    public var sentMessages: [SentMessage]
    /// The retry key the push was sent with (keep it to retry the same logical send later).
    public var retryKey: UUID
    /// `x-line-request-id` of the request LINE accepted (for a repeated send, the original request).
    public var acceptedRequestID: String?
    /// Whether an earlier attempt had already been accepted (LINE answered 409 and nothing was sent twice).
    public var wasAlreadyAccepted: Bool
}

/// The Messaging API's push, sent safely: every logical send gets one `X-Line-Retry-Key`, retries (only on 5xx and
/// timeouts) reuse it, and LINE's 409 "already accepted" counts as success with the original `sentMessages`.
///
/// ```swift
/// let messaging = MessagingClient(api: api, tokens: provider)
/// let result = try await messaging.push(to: userID, messages: [try .text("Welcome!")])
/// ```
public struct MessagingClient: Sendable {
    /// The client the requests go through.
    public let api: LineAPIClient
    /// Where channel access tokens come from.
    public let tokens: ChannelTokenProvider

    /// A Messaging API client.
    ///
    /// - Parameters:
    ///   - api: the client the requests go through.
    ///   - tokens: where channel access tokens come from.
    public init(api: LineAPIClient, tokens: ChannelTokenProvider) {
        self.api = api
        self.tokens = tokens
    }

    /// Pushes 1–5 messages to a user, group or room.
    ///
    /// - Parameters:
    ///   - recipient: the user, group or room ID.
    ///   - messages: 1 to 5 messages.
    ///   - notificationDisabled: whether to send without a notification.
    ///   - retryKey: the key of this logical send; pass the same one to retry a send whose outcome you do
    ///     not know. A new one by default.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/messageCount`` for other than 1 to 5 messages, the
    ///   provider's errors when no token can be had, or `LineAPIError` when LINE refuses the push.
    public func push(
        to recipient: String,
        messages: [Message],
        notificationDisabled: Bool = false,
        retryKey: UUID = UUID()
    ) async throws -> PushResult {
        guard (1...5).contains(messages.count) else { throw MessagingError.messageCount(messages.count) }
        struct Body: Encodable {
            var to: String
            var messages: [Message]
            var notificationDisabled: Bool
        }
        do {
            // Idempotent thanks to the retry key, so the API client may retry 5xx and timeouts with it.
            let response = try await authorizedSend(
                .post,
                "/v2/bot/message/push",
                body: Body(to: recipient, messages: messages, notificationDisabled: notificationDisabled),
                retryKey: retryKey,
                idempotent: true
            )
            struct Sent: Decodable, Sendable { var sentMessages: [SentMessage] }
            let sent = try api.decode(Sent.self, from: response)
            return PushResult(
                sentMessages: sent.value.sentMessages,
                retryKey: retryKey,
                acceptedRequestID: sent.requestID,
                wasAlreadyAccepted: false
            )
        } catch let error as LineAPIError where error.status == 409 {
            return try await alreadyAccepted(error, retryKey: retryKey)
        }
    }

    /// LINE's 409 for an accepted retry key repeats the original `sentMessages` (push only).
    private func alreadyAccepted(_ error: LineAPIError, retryKey: UUID) async throws -> PushResult {
        struct Conflict: Decodable { var sentMessages: [SentMessage]? }
        let original = (try? JSONDecoder().decode(Conflict.self, from: error.body))?.sentMessages ?? []
        return PushResult(sentMessages: original, retryKey: retryKey, acceptedRequestID: error.acceptedRequestID, wasAlreadyAccepted: true)
    }
}
