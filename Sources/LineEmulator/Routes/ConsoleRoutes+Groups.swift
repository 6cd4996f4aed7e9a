import Foundation
import Hummingbird

/// The console's Groups page: groups and rooms, and a form to create one.
extension ConsoleRoutes {
    func groupsPage(_ formToken: String) async throws -> Response {
        let users = try await admin.users()
        let channels = try await admin.channels()
        let userNames = Dictionary(users.map { ($0.userID, $0.displayName) }, uniquingKeysWith: { first, _ in first })
        let channelNames = Dictionary(channels.map { ($0.channelID, $0.name) }, uniquingKeysWith: { first, _ in first })
        var chats: [[String: Any]] = []
        for kind in GroupChat.Kind.allCases {
            for chat in try await admin.chats(kind: kind) {
                chats.append([
                    "chatID": chat.chatID, "label": chat.name ?? (kind == .group ? "Group" : "Room"),
                    "members": chat.memberIDs.map { userNames[$0] ?? $0 }, "bots": chat.channelIDs.map { channelNames[$0] ?? $0 },
                ])
            }
        }
        let object: [String: Any] = [
            "chats": chats,
            "users": users.map { ["userID": $0.userID, "displayName": $0.displayName] },
            "bots": channels.filter { $0.kind == .messaging }.map { ["channelID": $0.channelID, "name": $0.name] },
        ]
        return render(.consoleGroups, title: "Groups and rooms", section: "/groups", formToken: formToken, object)
    }

    /// The group or room the console's form describes, with a new ID.
    static func chat(from form: Parameters) -> GroupChat {
        let kind = GroupChat.Kind(rawValue: form["kind"] ?? "") ?? .group
        return GroupChat(
            chatID: GroupChat.newID(kind: kind),
            kind: kind,
            name: kind == .group ? form.nonEmpty("groupName") : nil,
            memberIDs: form.all("member"),
            channelIDs: form.all("channel")
        )
    }
}
