import Foundation

/// Creates groups and rooms for the admin API and the console, so that pushes to them can be tested.
struct GroupChatDirectory: Sendable {
    let store: any EmulatorStore

    /// A problem with a chat to create; the caller shows `description` in its own error shape.
    struct Invalid: Error, CustomStringConvertible {
        var status: Int
        var description: String
    }

    /// Checks `chat` (a well-formed ID of its kind, a name without control characters, known users as members, Messaging API channels as bots) and
    /// stores it. Throws ``Invalid`` with 400, or 409 when the ID is taken.
    func create(_ chat: GroupChat) async throws -> GroupChat {
        let noun = chat.kind.rawValue
        guard GroupChat.isValidID(chat.chatID, kind: chat.kind) else {
            throw Invalid(status: 400, description: "\(noun)Id must be \(chat.kind.idPrefix) followed by 32 lowercase hexadecimal digits")
        }
        if let name = chat.name, name.isEmpty || name.count > 100 {
            throw Invalid(status: 400, description: "groupName must be 1 to 100 characters")
        }
        if let name = chat.name {
            // The same rule as channel and user names: the name is shown on the console's pages and in logs.
            do { try ChannelDocument.requirePrintable(name, "groupName") } catch {
                throw Invalid(status: 400, description: error.description)
            }
        }
        for userID in chat.memberIDs where try await store.user(id: userID) == nil {
            throw Invalid(status: 400, description: "memberIds: user \(userID) does not exist")
        }
        for channelID in chat.channelIDs {
            guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
                throw Invalid(status: 400, description: "channelIds: \(channelID) is not a Messaging API channel")
            }
        }
        guard try await store.insertChat(chat) else { throw Invalid(status: 409, description: "\(noun) \(chat.chatID) already exists") }
        return chat
    }
}

/// A group or room as the admin API reads and writes it: `groupId`/`groupName` or `roomId`, `memberIds`, and
/// `channelIds`, the Messaging API channels whose bots are in the chat.
struct GroupChatDocument: Codable, Sendable {
    var groupId: String?
    var groupName: String?
    var roomId: String?
    var memberIds: [String]?
    var channelIds: [String]?

    init(_ chat: GroupChat) {
        switch chat.kind {
        case .group:
            groupId = chat.chatID
            groupName = chat.name
        case .room:
            roomId = chat.chatID
        }
        memberIds = chat.memberIDs
        channelIds = chat.channelIDs
    }

    /// The chat this document describes, with a generated ID where it is missing.
    func chat(kind: GroupChat.Kind) -> GroupChat {
        let id = (kind == .group ? groupId : roomId) ?? GroupChat.newID(kind: kind)
        return GroupChat(
            chatID: id,
            kind: kind,
            name: kind == .group ? groupName : nil,
            memberIDs: memberIds ?? [],
            channelIDs: channelIds ?? []
        )
    }
}
