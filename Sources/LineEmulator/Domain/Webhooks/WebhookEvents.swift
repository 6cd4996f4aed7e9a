import Foundation
import LineCore

/// What a user does that LINE reports to the account's webhook.
package enum UserAction: Sendable, Equatable {
    case follow(isUnblocked: Bool)
    case unfollow
    case text(String)
    case sticker(packageID: String, stickerID: String)
    case postback(data: String, params: [String: String])

    /// LINE gives a reply token with follow, message and postback events, never with unfollow.
    var hasReplyToken: Bool { self != .unfollow }

    var eventType: String {
        switch self {
        case .follow: "follow"
        case .unfollow: "unfollow"
        case .text, .sticker: "message"
        case .postback: "postback"
        }
    }
}

/// LINE's webhook event objects and bodies, as JSON values (*Messaging API reference*, "Webhook Event Objects").
enum WebhookEvents {
    /// One event from a user in a one-to-one chat with the account.
    static func event(
        _ action: UserAction,
        userID: String,
        at time: Date,
        replyToken: String?
    ) -> JSONValue {
        var event: [String: JSONValue] = [
            "type": .string(action.eventType),
            "mode": .string("active"),
            "timestamp": .integer(Int((time.timeIntervalSince1970 * 1000).rounded(.down))),
            "source": .object(["type": .string("user"), "userId": .string(userID)]),
            "webhookEventId": .string(eventID(at: time)),
            "deliveryContext": .object(["isRedelivery": .bool(false)]),
        ]
        if let replyToken { event["replyToken"] = .string(replyToken) }
        switch action {
        case .follow(let isUnblocked):
            event["follow"] = .object(["isUnblocked": .bool(isUnblocked)])
        case .unfollow:
            break
        case .text(let text):
            event["message"] = .object([
                "id": .string(OutgoingMessages.messageID()), "type": .string("text"), "quoteToken": .string(Randomness.alphanumeric(64)),
                "text": .string(text),
            ])
        case .sticker(let packageID, let stickerID):
            event["message"] = .object([
                "id": .string(OutgoingMessages.messageID()), "type": .string("sticker"), "quoteToken": .string(Randomness.alphanumeric(64)),
                "packageId": .string(packageID), "stickerId": .string(stickerID), "stickerResourceType": .string("STATIC"),
            ])
        case .postback(let data, let params):
            var postback: [String: JSONValue] = ["data": .string(data)]
            if !params.isEmpty { postback["params"] = .object(params.mapValues(JSONValue.string)) }
            event["postback"] = .object(postback)
        }
        return .object(event)
    }

    /// The request body: the bot's user ID as `destination` and the events.
    static func body(destination: String, events: [JSONValue]) -> Data {
        Data(JSONValue.object(["destination": .string(destination), "events": .array(events)]).jsonBytes)
    }

    /// The same body with every event marked `deliveryContext.isRedelivery: true` (its IDs and times unchanged, as
    /// LINE redelivers), and the user whose events they are (empty when none says); `nil` when the body is not a
    /// webhook body.
    static func redelivery(of body: Data) -> (body: Data, userID: String)? {
        guard var members = JSONValue(parsing: body)?.objectValue, let events = members["events"]?.arrayValue else { return nil }
        let userID = events.first?.objectValue?["source"]?.objectValue?["userId"]?.stringValue ?? ""
        members["events"] = .array(
            events.map { event in
                guard var object = event.objectValue else { return event }
                object["deliveryContext"] = .object(["isRedelivery": .bool(true)])
                return .object(object)
            }
        )
        return (Data(JSONValue.object(members).jsonBytes), userID)
    }

    /// The user ID of a Messaging API channel's bot (the `destination` of its webhooks): stable for the channel.
    static func botUserID(channelID: String) -> String {
        let digest = SHA256Digest.of(Data("linekit-bot:\(channelID)".utf8))
        return "U" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// A webhook event ID as LINE makes them: a ULID (48-bit millisecond time and 80 random bits, 26 characters of
    /// Crockford's base 32).
    static func eventID(at time: Date) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        let milliseconds = UInt64(max(0, time.timeIntervalSince1970 * 1000))
        var output = [UInt8]()
        for shift in stride(from: 45, through: 0, by: -5) {
            output.append(alphabet[Int((milliseconds >> UInt64(shift)) & 31)])
        }
        var generator = Randomness.Generator()
        for _ in 0..<16 { output.append(alphabet[Int(generator.next() & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }
}
