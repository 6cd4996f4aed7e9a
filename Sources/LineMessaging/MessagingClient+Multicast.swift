import Foundation
import HTTPTypes
import LineCore

/// The outcome of a multicast, broadcast or narrowcast, which LINE answers without `sentMessages`.
public struct AudienceSendResult: Sendable, Equatable {
    /// The retry key the send went with (keep it to retry the same logical send later).
    public var retryKey: UUID
    /// `x-line-request-id` of the request LINE accepted (for a repeated send, the original request). A narrowcast's
    /// progress is asked for with it (``MessagingClient/narrowcastProgress(requestID:)``).
    public var acceptedRequestID: String?
    /// Whether an earlier attempt had already been accepted (LINE answered 409 and nothing was sent twice).
    public var wasAlreadyAccepted: Bool
}

extension MessagingClient {
    /// Sends the same 1–5 messages to up to 500 users (`POST /v2/bot/message/multicast`); not to groups or rooms.
    ///
    /// ```swift
    /// let result = try await messaging.multicast(to: [brown, cony], messages: [try .text("The sale starts now")])
    /// ```
    ///
    /// - Parameters:
    ///   - recipients: 1 to 500 user IDs.
    ///   - messages: 1 to 5 messages.
    ///   - notificationDisabled: whether to send without a notification.
    ///   - retryKey: the key of this logical send; pass the same one to retry a send whose outcome you do not know.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/messageCount`` for other than 1 to 5 messages, ``MessagingError/Code/recipientCount`` for
    ///   other than 1 to 500 users, the provider's errors, or `LineAPIError` when LINE refuses the send.
    public func multicast(
        to recipients: [String],
        messages: [Message],
        notificationDisabled: Bool = false,
        retryKey: UUID = UUID()
    ) async throws -> AudienceSendResult {
        guard (1...5).contains(messages.count) else { throw MessagingError.messageCount(messages.count) }
        guard (1...500).contains(recipients.count) else { throw MessagingError.recipientCount(recipients.count) }
        struct Body: Encodable {
            var to: [String]
            var messages: [Message]
            var notificationDisabled: Bool
        }
        let body = Body(to: recipients, messages: messages, notificationDisabled: notificationDisabled)
        return try await audienceSend("/v2/bot/message/multicast", body: body, retryKey: retryKey)
    }

    /// Sends 1–5 messages to every friend of the channel's LINE Official Account (`POST /v2/bot/message/broadcast`).
    /// LINE allows 60 a hour per channel.
    ///
    /// - Parameters:
    ///   - messages: 1 to 5 messages.
    ///   - notificationDisabled: whether to send without a notification.
    ///   - retryKey: the key of this logical send; pass the same one to retry a send whose outcome you do not know.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/messageCount`` for other than 1 to 5 messages, the provider's errors, or
    ///   `LineAPIError` when LINE refuses the send.
    public func broadcast(messages: [Message], notificationDisabled: Bool = false, retryKey: UUID = UUID()) async throws
        -> AudienceSendResult
    {
        guard (1...5).contains(messages.count) else { throw MessagingError.messageCount(messages.count) }
        struct Body: Encodable {
            var messages: [Message]
            var notificationDisabled: Bool
        }
        return try await audienceSend(
            "/v2/bot/message/broadcast",
            body: Body(messages: messages, notificationDisabled: notificationDisabled),
            retryKey: retryKey
        )
    }

    /// Sends 1–5 messages to the friends a recipient object and a demographic filter choose, or to every friend
    /// (`POST /v2/bot/message/narrowcast`). LINE accepts the request (202) and sends afterwards: follow it with
    /// ``narrowcastProgress(requestID:)`` and the result's `acceptedRequestID`.
    ///
    /// - Parameters:
    ///   - messages: 1 to 5 messages.
    ///   - recipient: LINE's recipient object (audiences, redelivery, `operator` combinations) as JSON, or `nil`.
    ///   - filter: LINE's `filter` object (`{"demographic": …}`) as JSON, or `nil`.
    ///   - limit: at most how many users, and the quota options.
    ///   - notificationDisabled: whether to send without a notification.
    ///   - retryKey: the key of this logical send; pass the same one to retry a send whose outcome you do not know.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/messageCount`` for other than 1 to 5 messages, the provider's errors, or
    ///   `LineAPIError` when LINE refuses the send.
    public func narrowcast(
        messages: [Message],
        recipient: JSONValue? = nil,
        filter: JSONValue? = nil,
        limit: NarrowcastLimit? = nil,
        notificationDisabled: Bool = false,
        retryKey: UUID = UUID()
    ) async throws -> AudienceSendResult {
        guard (1...5).contains(messages.count) else { throw MessagingError.messageCount(messages.count) }
        struct Body: Encodable {
            var messages: [Message]
            var recipient: JSONValue?
            var filter: JSONValue?
            var limit: NarrowcastLimit?
            var notificationDisabled: Bool
        }
        let body = Body(messages: messages, recipient: recipient, filter: filter, limit: limit, notificationDisabled: notificationDisabled)
        return try await audienceSend("/v2/bot/message/narrowcast", body: body, retryKey: retryKey)
    }

    /// The progress of a narrowcast (`GET /v2/bot/message/progress/narrowcast`).
    ///
    /// - Parameter requestID: the narrowcast's `acceptedRequestID`.
    /// - Throws: the provider's errors, or `LineAPIError` when LINE refuses the request.
    public func narrowcastProgress(requestID: String) async throws -> NarrowcastProgress {
        let query = FormEncoding.encode([("requestId", requestID)])
        let response = try await authorizedSend(.get, "/v2/bot/message/progress/narrowcast?\(query)", idempotent: true)
        return try api.decode(NarrowcastProgress.self, from: response).value
    }

    /// Sends with the retry key (idempotent, so 5xx and timeouts are retried with it); a 409 counts as success.
    private func audienceSend(_ path: String, body: some Encodable, retryKey: UUID) async throws -> AudienceSendResult {
        do {
            let response = try await authorizedSend(.post, path, body: body, retryKey: retryKey, idempotent: true)
            return AudienceSendResult(retryKey: retryKey, acceptedRequestID: response.requestID, wasAlreadyAccepted: false)
        } catch let error as LineAPIError where error.status == 409 {
            return AudienceSendResult(retryKey: retryKey, acceptedRequestID: error.acceptedRequestID, wasAlreadyAccepted: true)
        }
    }
}

/// Narrowcast's `limit`: at most how many users, chosen at random.
public struct NarrowcastLimit: Sendable, Equatable, Encodable {
    /// The most users to send to (at least 1), or `nil` for no cap.
    public var max: Int?
    /// Whether to send only as many as the remaining monthly quota allows.
    public var upToRemainingQuota: Bool
    /// Whether to cancel rather than reach only part of the audience (only with `upToRemainingQuota`).
    public var forbidPartialDelivery: Bool

    /// - Parameters:
    ///   - max: the most users to send to, or `nil`.
    ///   - upToRemainingQuota: whether to stay within the remaining monthly quota.
    ///   - forbidPartialDelivery: whether to cancel rather than reach only part of the audience.
    public init(max: Int? = nil, upToRemainingQuota: Bool = false, forbidPartialDelivery: Bool = false) {
        self.max = max
        self.upToRemainingQuota = upToRemainingQuota
        self.forbidPartialDelivery = forbidPartialDelivery
    }
}

/// Where a narrowcast is (OpenAPI `NarrowcastProgressResponse`).
public struct NarrowcastProgress: Sendable, Equatable, Decodable {
    /// `waiting`, `sending`, `succeeded` or `failed` (kept as text, so a new phase never breaks decoding).
    public var phase: String
    /// How many users received the message.
    public var successCount: Int?
    /// How many users it could not be sent to.
    public var failureCount: Int?
    /// How many users it was meant for.
    public var targetCount: Int?
    /// Why it failed (phase `failed` only).
    public var failedDescription: String?
    /// LINE's error summary, 1 to 5 (phase `failed` only).
    public var errorCode: Int?
    /// When LINE accepted the request.
    public var acceptedTime: Date
    /// When sending ended (phases `succeeded` and `failed`).
    public var completedTime: Date?

    private enum CodingKeys: String, CodingKey {
        case phase, successCount, failureCount, targetCount, failedDescription, errorCode, acceptedTime, completedTime
    }

    /// Decodes LINE's JSON, whose times are ISO 8601 text.
    ///
    /// - Parameter decoder: the decoder holding LINE's response.
    /// - Throws: `DecodingError` when `phase` or `acceptedTime` is missing, a field has the wrong type, or a time is
    ///   not ISO 8601 text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        phase = try container.decode(String.self, forKey: .phase)
        successCount = try container.decodeIfPresent(Int.self, forKey: .successCount)
        failureCount = try container.decodeIfPresent(Int.self, forKey: .failureCount)
        targetCount = try container.decodeIfPresent(Int.self, forKey: .targetCount)
        failedDescription = try container.decodeIfPresent(String.self, forKey: .failedDescription)
        errorCode = try container.decodeIfPresent(Int.self, forKey: .errorCode)
        acceptedTime = try LineTimestamp.decode(.acceptedTime, in: container)
        completedTime = try container.contains(.completedTime) ? LineTimestamp.decode(.completedTime, in: container) : nil
    }
}
