import LineCore

/// Where an event happened: a one-to-one chat with a user, a group chat, or a multi-person chat (room).
public enum WebhookSource: Sendable, Equatable, Decodable {
    /// A one-to-one chat. LINE may leave out the user ID (for example for users of older clients).
    case user(userID: String?)
    /// A group chat; `userID` is the member who caused the event, when LINE gives it.
    case group(groupID: String, userID: String?)
    /// A multi-person chat; `userID` is the member who caused the event, when LINE gives it.
    case room(roomID: String, userID: String?)
    /// A source type this SDK does not know, with its JSON as received.
    case unknown(type: String, raw: JSONValue)

    /// The user behind the event, whatever the chat, when LINE gives it.
    public var userID: String? {
        switch self {
        case .user(let userID), .group(_, let userID), .room(_, let userID): userID
        case .unknown(_, let raw): raw.objectValue?["userId"]?.stringValue
        }
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case userID = "userId"
        case groupID = "groupId"
        case roomID = "roomId"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let userID = try container.decodeIfPresent(String.self, forKey: .userID)
        switch type {
        case "user": self = .user(userID: userID)
        case "group": self = .group(groupID: try container.decode(String.self, forKey: .groupID), userID: userID)
        case "room": self = .room(roomID: try container.decode(String.self, forKey: .roomID), userID: userID)
        default: self = .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }
}
