import Foundation

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
