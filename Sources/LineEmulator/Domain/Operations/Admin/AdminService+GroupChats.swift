import Foundation

/// Groups and rooms, so that pushes to them can be tested.
extension AdminService {
    /// Every group or every room, in the order they were created.
    func chats(kind: GroupChat.Kind) async throws -> [GroupChat] {
        try await store.chats(kind: kind)
    }

    /// Checks `chat` (a well-formed ID of its kind, a name of 1 to 100 printable characters, known users as members,
    /// Messaging API channels as bots) and stores it; ``AdminError/conflict(_:)`` when the ID is taken.
    func createChat(_ chat: GroupChat) async throws -> GroupChat {
        let noun = chat.kind.rawValue
        guard GroupChat.isValidID(chat.chatID, kind: chat.kind) else {
            throw AdminError.invalid("\(noun)Id must be \(chat.kind.idPrefix) followed by 32 lowercase hexadecimal digits")
        }
        if let name = chat.name {
            guard !name.isEmpty, name.count <= 100 else { throw AdminError.invalid("groupName must be 1 to 100 characters") }
            // The same rule as channel and user names: the name is shown on the console's pages and in logs.
            do { try ChannelDocument.requirePrintable(name, "groupName") } catch { throw AdminError.invalid(error.description) }
        }
        for userID in chat.memberIDs where try await store.user(id: userID) == nil {
            throw AdminError.invalid("memberIds: user \(userID) does not exist")
        }
        for channelID in chat.channelIDs {
            guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
                throw AdminError.invalid("channelIds: \(channelID) is not a Messaging API channel")
            }
        }
        guard try await store.insertChat(chat) else { throw AdminError.conflict("\(noun) \(chat.chatID) already exists") }
        return chat
    }
}
