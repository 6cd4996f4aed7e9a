import LineCore

/// The message of a `message` event: text and stickers typed, every other type kept as received.
public enum WebhookMessage: Sendable, Equatable, Decodable {
    /// A text message.
    case text(Text)
    /// A sticker message.
    case sticker(Sticker)
    /// Image, video, audio, file, location, or a type LINE adds later: its `type`, `id` and JSON as received.
    case other(type: String, id: String, raw: JSONValue)

    /// The message ID (use it to fetch content or to quote the message).
    public var id: String {
        switch self {
        case .text(let text): text.id
        case .sticker(let sticker): sticker.id
        case .other(_, let id, _): id
        }
    }

    /// A text message.
    public struct Text: Sendable, Equatable, Decodable {
        /// The message ID.
        public var id: String
        /// What the user typed (emoji as LINE's placeholders, mentions as their display text).
        public var text: String
        /// Token to quote this message in a reply or push.
        public var quoteToken: String?
        /// The message this one quotes, when it quotes one.
        public var quotedMessageID: String?
        /// Token to mark the message as read.
        public var markAsReadToken: String?

        /// A text message (to test your own handlers).
        public init(
            id: String,
            text: String,
            quoteToken: String? = nil,
            quotedMessageID: String? = nil,
            markAsReadToken: String? = nil
        ) {
            self.id = id
            self.text = text
            self.quoteToken = quoteToken
            self.quotedMessageID = quotedMessageID
            self.markAsReadToken = markAsReadToken
        }

        private enum CodingKeys: String, CodingKey {
            case id, text, quoteToken, markAsReadToken
            case quotedMessageID = "quotedMessageId"
        }
    }

    /// A sticker message.
    public struct Sticker: Sendable, Equatable, Decodable {
        /// The message ID.
        public var id: String
        /// The sticker package's ID.
        public var packageID: String
        /// The sticker's ID within its package.
        public var stickerID: String
        /// `STATIC`, `ANIMATION`, `SOUND`, `ANIMATION_SOUND`, `POPUP`, `POPUP_SOUND`, `CUSTOM`, `MESSAGE`,
        /// `NAME_TEXT` or `PER_STICKER_TEXT` (kept as a string: LINE adds kinds).
        public var stickerResourceType: String
        /// Up to 15 keywords describing the sticker (experimental in LINE's API; absent for some stickers).
        public var keywords: [String]?
        /// Text the user entered, for message stickers only.
        public var text: String?
        /// Token to quote this message in a reply or push.
        public var quoteToken: String?
        /// The message this one quotes, when it quotes one.
        public var quotedMessageID: String?

        /// A sticker message (to test your own handlers).
        public init(
            id: String,
            packageID: String,
            stickerID: String,
            stickerResourceType: String,
            keywords: [String]? = nil,
            text: String? = nil,
            quoteToken: String? = nil,
            quotedMessageID: String? = nil
        ) {
            self.id = id
            self.packageID = packageID
            self.stickerID = stickerID
            self.stickerResourceType = stickerResourceType
            self.keywords = keywords
            self.text = text
            self.quoteToken = quoteToken
            self.quotedMessageID = quotedMessageID
        }

        private enum CodingKeys: String, CodingKey {
            case id, stickerResourceType, keywords, text, quoteToken
            case packageID = "packageId"
            case stickerID = "stickerId"
            case quotedMessageID = "quotedMessageId"
        }
    }

    private enum CodingKeys: String, CodingKey { case type, id }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try Text(from: decoder))
        case "sticker": self = .sticker(try Sticker(from: decoder))
        default:
            self = .other(
                type: type,
                id: try container.decode(String.self, forKey: .id),
                raw: try JSONValue(from: decoder)
            )
        }
    }
}
