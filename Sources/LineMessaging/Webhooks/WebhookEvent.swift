import Foundation
import LineCore

/// One webhook event: the fields every event carries, and what happened (``Content``).
///
/// ```swift
/// switch event.content {
/// case .follow(let isUnblocked): welcome(event.source?.userID, back: isUnblocked, replyToken: event.replyToken)
/// case .message(.text(let message)): answer(message.text, replyToken: event.replyToken)
/// default: break
/// }
/// ```
public struct WebhookEvent: Sendable, Equatable, Decodable {
    /// LINE's event `type` as received (`follow`, `message`, …), also for ``Content/unknown(type:raw:)``.
    public var type: String
    /// Whether the channel may act on the event (`.active`) or only watches (`.standby`).
    public var mode: WebhookEventMode
    /// When the event happened (for a redelivered event too: not when it was redelivered).
    public var timestamp: Date
    /// Where it happened; LINE leaves it out of a few events.
    public var source: WebhookSource?
    /// The event's unique ID (a ULID): use it to ignore an event delivered twice.
    public var webhookEventID: String
    /// Whether LINE is delivering this event again after an earlier delivery failed.
    public var isRedelivery: Bool
    /// The token to answer this event with the reply API, for events LINE lets you reply to.
    public var replyToken: String?
    /// What happened, with its event-specific fields.
    public var content: Content

    /// An event built in code (to test your own handlers); LINE's events come from ``WebhookParser``.
    public init(
        type: String,
        mode: WebhookEventMode = .active,
        timestamp: Date,
        source: WebhookSource?,
        webhookEventID: String,
        isRedelivery: Bool = false,
        replyToken: String? = nil,
        content: Content
    ) {
        self.type = type
        self.mode = mode
        self.timestamp = timestamp
        self.source = source
        self.webhookEventID = webhookEventID
        self.isRedelivery = isRedelivery
        self.replyToken = replyToken
        self.content = content
    }

    /// What happened.
    public enum Content: Sendable, Equatable {
        /// The user added the LINE Official Account as a friend, or unblocked it (`isUnblocked`).
        case follow(isUnblocked: Bool)
        /// The user blocked the LINE Official Account.
        case unfollow
        /// The user sent a message.
        case message(WebhookMessage)
        /// The user performed a postback action.
        case postback(Postback)
        /// The LINE Official Account joined a group chat or multi-person chat.
        case join
        /// The LINE Official Account was removed from, or left, a group chat or multi-person chat.
        case leave
        /// Users joined a chat the LINE Official Account is in.
        case memberJoined(userIDs: [String])
        /// Users left a chat the LINE Official Account is in.
        case memberLeft(userIDs: [String])
        /// The user unsent one of their messages.
        case unsend(messageID: String)
        /// The user watched to the end a video sent with this `trackingId`.
        case videoPlayComplete(trackingID: String)
        /// The user came within range of a LINE Beacon.
        case beacon(Beacon)
        /// The user linked their LINE account to an account of the provider's service.
        case accountLink(AccountLink)
        /// An event type this SDK does not decode (membership, module, a type LINE adds later), with its JSON.
        case unknown(type: String, raw: JSONValue)
    }

    /// A postback: the action's `data`, and `params` from a date-time picker or a rich menu switch.
    public struct Postback: Sendable, Equatable, Decodable {
        /// The postback action's `data`, as the app set it.
        public var data: String
        /// `date`, `time` or `datetime` from a date-time picker, or `newRichMenuAliasId` and `status` from a rich
        /// menu switch; `nil` for other actions.
        public var params: [String: String]?

        /// A postback (to test your own handlers).
        public init(data: String, params: [String: String]? = nil) {
            self.data = data
            self.params = params
        }
    }

    /// A LINE Beacon event.
    public struct Beacon: Sendable, Equatable, Decodable {
        /// The beacon's hardware ID.
        public var hardwareID: String
        /// `enter`, `banner` or `stay`.
        public var type: String
        /// The beacon's device message, when it sent one.
        public var deviceMessage: String?

        /// A beacon event (to test your own handlers).
        public init(hardwareID: String, type: String, deviceMessage: String? = nil) {
            self.hardwareID = hardwareID
            self.type = type
            self.deviceMessage = deviceMessage
        }

        private enum CodingKeys: String, CodingKey {
            case type
            case hardwareID = "hwid"
            case deviceMessage = "dm"
        }
    }

    /// The outcome of account linking.
    public struct AccountLink: Sendable, Equatable, Decodable {
        /// `ok` or `failed`.
        public var result: String
        /// The nonce your service issued for this linking.
        public var nonce: String

        /// An account-link outcome (to test your own handlers).
        public init(result: String, nonce: String) {
            self.result = result
            self.nonce = nonce
        }
    }

    private enum CodingKeys: String, CodingKey {
        case type, mode, timestamp, source, deliveryContext, replyToken
        case follow, message, postback, joined, left, unsend, videoPlayComplete, beacon, link
        case webhookEventID = "webhookEventId"
    }

    private struct DeliveryContext: Decodable { var isRedelivery: Bool }
    private struct FollowDetail: Decodable { var isUnblocked: Bool }
    private struct Members: Decodable { var members: [WebhookSource] }
    private struct UnsendDetail: Decodable { var messageId: String }
    private struct VideoPlayComplete: Decodable { var trackingId: String }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        mode = try container.decode(WebhookEventMode.self, forKey: .mode)
        let milliseconds = try container.decode(Int64.self, forKey: .timestamp)
        timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        source = try container.decodeIfPresent(WebhookSource.self, forKey: .source)
        webhookEventID = try container.decode(String.self, forKey: .webhookEventID)
        isRedelivery = try container.decode(DeliveryContext.self, forKey: .deliveryContext).isRedelivery
        replyToken = try container.decodeIfPresent(String.self, forKey: .replyToken)
        content = try Self.content(of: type, in: container, decoder: decoder)
    }

    private static func content(
        of type: String,
        in container: KeyedDecodingContainer<CodingKeys>,
        decoder: any Decoder
    ) throws -> Content {
        switch type {
        case "follow": .follow(isUnblocked: try container.decode(FollowDetail.self, forKey: .follow).isUnblocked)
        case "unfollow": .unfollow
        case "message": .message(try container.decode(WebhookMessage.self, forKey: .message))
        case "postback": .postback(try container.decode(Postback.self, forKey: .postback))
        case "join": .join
        case "leave": .leave
        case "memberJoined": .memberJoined(userIDs: try userIDs(container.decode(Members.self, forKey: .joined)))
        case "memberLeft": .memberLeft(userIDs: try userIDs(container.decode(Members.self, forKey: .left)))
        case "unsend": .unsend(messageID: try container.decode(UnsendDetail.self, forKey: .unsend).messageId)
        case "videoPlayComplete":
            .videoPlayComplete(
                trackingID: try container.decode(VideoPlayComplete.self, forKey: .videoPlayComplete).trackingId
            )
        case "beacon": .beacon(try container.decode(Beacon.self, forKey: .beacon))
        case "accountLink": .accountLink(try container.decode(AccountLink.self, forKey: .link))
        default: .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }

    private static func userIDs(_ members: Members) -> [String] {
        members.members.compactMap(\.userID)
    }
}
