import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Push recipients: unknown IDs, groups and rooms")
struct GroupPushTests {
    static let bot = Seed.messagingChannel
    static let unknownUser = "U0000000000000000000000000000ffff"

    static func messages(_ emulator: TestEmulator, to: String) async throws -> [[String: Any]] {
        let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(to)")
        return listed.json["messages"] as? [[String: Any]] ?? []
    }

    static func createChat(_ emulator: TestEmulator, _ kind: String, _ body: [String: Any]) async throws -> RawResponse {
        try await RawHTTP(emulator).postJSON("/_emulator/v1/\(kind)s", body)
    }

    @Test(
        "a push to a user, group or room LINE does not know is 400 Failed to send messages, and nothing is stored",
        arguments: [unknownUser, "C0123456789abcdef0123456789abcdef", "R0123456789abcdef0123456789abcdef"]
    )
    func unknownRecipient(to: String) async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let key = UUID().uuidString
            let response = try await PushTests.push(emulator, token: token, to: to, text: "hello?", retryKey: key)
            #expect(response.status == 400)
            #expect(response.text == #"{"message":"Failed to send messages"}"#)
            #expect(response.headers.first(name: "Content-Type") == "application/json")
            #expect(try await Self.messages(emulator, to: to).isEmpty)
            let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?channelId=\(Self.bot.channelID)")
            #expect((listed.json["messages"] as? [Any])?.isEmpty == true)
            // A refused push does not use up its retry key.
            let toBrown = try await PushTests.push(emulator, token: token, to: Fixture.brown.userID, text: "hi", retryKey: key)
            #expect(toBrown.status == 200)
        }
    }

    @Test("a group created through the admin API receives pushes from its bot, recorded as delivered to the group")
    func groupPush() async throws {
        try await TestEmulator.run { emulator in
            let created = try await Self.createChat(
                emulator,
                "group",
                ["groupName": "Friends", "memberIds": [Fixture.brown.userID, Fixture.sally.userID], "channelIds": [Self.bot.channelID]]
            )
            #expect(created.status == 201, "\(created.text)")
            let groupID = try #require(created.json["groupId"] as? String)
            #expect(groupID.hasPrefix("C") && groupID.count == 33)
            #expect(created.json["groupName"] as? String == "Friends")
            #expect(created.json["memberIds"] as? [String] == [Fixture.brown.userID, Fixture.sally.userID])

            let token = try await PushTests.token(emulator)
            let response = try await PushTests.push(emulator, token: token, to: groupID, text: "hello group")
            #expect(response.status == 200, "\(response.text)")
            let stored = try await Self.messages(emulator, to: groupID)
            #expect(stored.count == 1)
            #expect(stored.first?["to"] as? String == groupID)
            #expect(stored.first?["delivered"] as? Bool == true)
            #expect(try await Self.messages(emulator, to: Fixture.brown.userID).isEmpty, "recorded for the group, not per member")

            let listed = try await RawHTTP(emulator).get("/_emulator/v1/groups")
            #expect((listed.json["groups"] as? [[String: Any]])?.map { $0["groupId"] as? String } == [groupID])
        }
    }

    @Test("a room receives pushes; a chat without the channel's bot refuses them like an unknown one")
    func roomAndBotMembership() async throws {
        try await TestEmulator.run { emulator in
            let roomID = "R" + String(repeating: "ab", count: 16)
            let room = try await Self.createChat(
                emulator,
                "room",
                ["roomId": roomID, "memberIds": [Fixture.cony.userID], "channelIds": [Self.bot.channelID]]
            )
            #expect(room.status == 201)
            #expect(room.json["roomId"] as? String == roomID)
            let lonely = try await Self.createChat(emulator, "group", ["memberIds": [Fixture.cony.userID]])
            let lonelyID = try #require(lonely.json["groupId"] as? String)

            let token = try await PushTests.token(emulator)
            #expect(try await PushTests.push(emulator, token: token, to: roomID, text: "hi room").status == 200)
            let refused = try await PushTests.push(emulator, token: token, to: lonelyID, text: "hi")
            #expect(refused.status == 400)
            #expect(refused.json["message"] as? String == "Failed to send messages")
            #expect(try await Self.messages(emulator, to: lonelyID).isEmpty)
            let rooms = try await RawHTTP(emulator).get("/_emulator/v1/rooms")
            #expect((rooms.json["rooms"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test("the admin API checks groups and rooms: ID format, known members, Messaging API bots, unique IDs")
    func invalidChats() async throws {
        try await TestEmulator.run { emulator in
            let badID = try await Self.createChat(emulator, "group", ["groupId": "R" + String(repeating: "0", count: 32)])
            #expect(badID.status == 400)
            #expect(badID.json["message"] as? String == "groupId must be C followed by 32 lowercase hexadecimal digits")
            let stranger = try await Self.createChat(emulator, "room", ["memberIds": [Self.unknownUser]])
            #expect(stranger.status == 400)
            let loginBot = try await Self.createChat(emulator, "group", ["channelIds": [Fixture.web.channelID]])
            #expect(loginBot.status == 400)
            #expect(loginBot.json["message"] as? String == "channelIds: \(Fixture.web.channelID) is not a Messaging API channel")
            let id = "C" + String(repeating: "1", count: 32)
            #expect(try await Self.createChat(emulator, "group", ["groupId": id]).status == 201)
            #expect(try await Self.createChat(emulator, "group", ["groupId": id]).status == 409)
            #expect(try await RawHTTP(emulator).admin(.POST, "/_emulator/v1/reset").status == 200)
            #expect(try await RawHTTP(emulator).get("/_emulator/v1/groups").text == #"{"groups":[]}"#, "reset deletes chats")
        }
    }

    @Test(
        "a group name with control characters is refused with 400, as channel and user names are",
        arguments: ["a\u{0}b", "line\nbreak", "esc\u{1B}[31m", "c1\u{85}"]
    )
    func controlCharactersInGroupName(name: String) async throws {
        try await TestEmulator.run { emulator in
            let refused = try await Self.createChat(emulator, "group", ["groupName": name])
            #expect(refused.status == 400)
            #expect(refused.json["message"] as? String == "groupName must not contain control characters")
            #expect(try await RawHTTP(emulator).get("/_emulator/v1/groups").text == #"{"groups":[]}"#, "nothing is stored")
        }
    }

    @Test("the console creates a group with members and bots, and lists it")
    func consoleGroups() async throws {
        try await TestEmulator.run { emulator in
            let created = try await ConsoleTests.post(
                emulator,
                "/groups",
                [("kind", "group"), ("groupName", "Console group"), ("member", Fixture.brown.userID), ("channel", Self.bot.channelID)],
                session: try await ConsoleTests.session(emulator)
            )
            #expect(created.status == 303)
            let page = try await RawHTTP(emulator).get("/_emulator/console/groups")
            #expect(page.text.contains("Console group"))
            let groups = try await RawHTTP(emulator).get("/_emulator/v1/groups")
            let group = try #require((groups.json["groups"] as? [[String: Any]])?.first)
            #expect(group["memberIds"] as? [String] == [Fixture.brown.userID])
            #expect(group["channelIds"] as? [String] == [Self.bot.channelID])
        }
    }

    @Test("quote tokens come back for text, textV2, sticker, image, video, template and Flex messages, not for others")
    func quoteTokens() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let template: [String: Any] = [
                "type": "template", "altText": "a", "template": ["type": "confirm", "text": "ok?", "actions": [Any]()],
            ]
            let flex: [String: Any] = ["type": "flex", "altText": "b", "contents": ["type": "bubble"]]
            let location: [String: Any] = ["type": "location", "title": "t", "address": "a", "latitude": 35.0, "longitude": 139.0]
            let response = try await PushTests.push(
                emulator,
                token: token,
                body: ["to": Fixture.brown.userID, "messages": [template, flex, location]]
            )
            #expect(response.status == 200, "\(response.text)")
            let sent = try #require(response.json["sentMessages"] as? [[String: Any]])
            #expect(sent.map { $0["quoteToken"] is String } == [true, true, false])
        }
    }
}
