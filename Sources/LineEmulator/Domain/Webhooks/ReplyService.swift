import Foundation
import LineCore

/// `POST /v2/bot/message/reply`: the push validation for `messages` and `notificationDisabled`, a `replyToken` from
/// a webhook event of the same channel, used once, within its lifetime; the messages are stored like pushes, so they
/// show in the console's chat.
struct ReplyService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock

    /// LINE's answer for an unknown, used or expired token (*Messaging API reference*, "Error responses").
    static let invalidReplyToken = PlatformError.message(400, "Invalid reply token")

    /// Replies for `channelID`, the channel of the request's (already authenticated) channel access token.
    func reply(channelID: String, body: [String: JSONValue], requestID: String) async throws -> PushResponse {
        guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
            throw PlatformError.message(403, "Access to this API is not available for your account")
        }
        let (token, messages) = try Self.validate(body)
        let now = clock.now
        guard let replyToken = try await store.replyToken(token, channelID: channelID, at: now) else { throw Self.invalidReplyToken }
        let delivered = try await store.isFriend(userID: replyToken.userID, channelID: channelID)
        let outgoing = OutgoingMessages(
            messages,
            channelID: channelID,
            to: replyToken.userID,
            retryKey: nil,
            requestID: requestID,
            delivered: delivered,
            at: now
        )
        guard try await store.storeReply(outgoing.stored, replyToken: token, channelID: channelID, at: now) else {
            throw Self.invalidReplyToken
        }
        return PushResponse(sentMessages: outgoing.sent)
    }

    /// The reply token and the messages, or LINE's 400: the push rules for `messages` and `notificationDisabled`,
    /// and `replyToken` required.
    static func validate(_ body: [String: JSONValue]) throws(PlatformError) -> (replyToken: String, messages: [[String: JSONValue]]) {
        var tokenDetails: [PlatformError.Detail] = []
        switch body["replyToken"] {
        case nil, .null, .string(""): tokenDetails.append(.init(message: "must be specified", property: "replyToken"))
        case .string: break
        default: throw .invalidProperty("replyToken")
        }
        // The push validation, with a well-formed recipient standing in for `to`, which a reply does not have.
        var asPush = body
        asPush["to"] = .string("U" + String(repeating: "0", count: 32))
        asPush["customAggregationUnits"] = nil
        let messages: [[String: JSONValue]]
        do {
            messages = try PushService.validate(asPush).messages
        } catch {
            guard case .message(_, let details) = error.body, error.invalidProperty == nil, !details.isEmpty else { throw error }
            throw .validation(tokenDetails + details)
        }
        guard tokenDetails.isEmpty, let token = body["replyToken"]?.stringValue else { throw .validation(tokenDetails) }
        return (token, messages)
    }
}
