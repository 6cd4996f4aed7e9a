import Foundation
import LineEmulator
import Testing

@Suite("Seed files")
struct SeedFileTests {
    static func write(_ text: String, extension fileExtension: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "seed-\(UUID().uuidString).\(fileExtension)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("a YAML seed declares channels, a linked account with its webhook, users and friendships")
    func yaml() throws {
        let url = try Self.write(
            """
            channels:
              - channelId: "1234567890"
                channelSecret: "0123456789abcdef0123456789abcdef"
                name: My app
                appType: webAndNative
                callbackUrls: ["http://localhost:3000/callback"]
                linkedChannelId: "1234567891"
              - channelId: "1234567891"
                channelSecret: "0123456789abcdef0123456789abcdee"
                name: My bot
                type: messaging
                webhookUrl: http://localhost:3000/webhook
            users:
              - userId: U0123456789abcdef0123456789abcdef
                displayName: Taro
                email: taro@example.com
                friendOf: ["1234567890"]
            """,
            extension: "yaml"
        )
        defer { try? FileManager.default.removeItem(at: url) }
        let seed = try Seed.load(contentsOf: url)
        #expect(seed.channels.map(\.channelID) == ["1234567890", "1234567891"])
        #expect(seed.channels[0].appType == .webAndNative)
        #expect(seed.users.map(\.displayName) == ["Taro"])
        #expect(seed.links == [Seed.Link(loginChannelID: "1234567890", botChannelID: "1234567891")])
        #expect(seed.webhooks == [WebhookEndpoint(channelID: "1234567891", url: "http://localhost:3000/webhook", isActive: true)])
        // A friend of the LINE Login channel is a friend of the account linked to it.
        #expect(seed.friendships == [Seed.Friendship(userID: "U0123456789abcdef0123456789abcdef", channelID: "1234567891")])
    }

    @Test("a JSON seed works the same, generating missing IDs and secrets")
    func json() throws {
        let url = try Self.write(
            #"{"channels":[{"name":"A","callbackUrls":["http://a.test/cb"]}],"users":[{"displayName":"B"}]}"#,
            extension: "json"
        )
        defer { try? FileManager.default.removeItem(at: url) }
        let seed = try Seed.load(contentsOf: url)
        #expect(seed.channels[0].channelID.count == 10)
        #expect(seed.channels[0].channelSecret.count == 32)
        #expect(seed.users[0].userID.count == 33)
    }

    @Test(
        "invalid seeds are refused with a message that names the problem",
        arguments: [
            (#"{"channels":[{"channelId":"12"}]}"#, "channelId"),
            (#"{"channels":[{"channelId":"1234567890"},{"channelId":"1234567890"}]}"#, "twice"),
            (#"{"users":[{"userId":"U1"}]}"#, "userId"),
            (#"{"users":[{"displayName":"A","friendOf":["1111111111"]}]}"#, "unknown channel"),
            (#"{"channels":[{"channelId":"1111111111"}],"users":[{"displayName":"A","friendOf":["1111111111"]}]}"#, "no linked"),
            (#"{"channels":[{"channelId":"1111111111","linkedChannelId":"2222222222"}]}"#, "must name a Messaging API channel"),
            (#"{"channels":[{"channelId":"1111111111","webhookUrl":"http://x/"}]}"#, "not a Messaging API channel"),
            (#"{"channels":[{"channelId":"1111111111","type":"messaging","webhookUrl":"ftp://x/"}]}"#, "webhookUrl"),
            (#"{"channels":[{"callbackUrls":["not a url"]}]}"#, "callback URL"),
            (#"{"channels":"#, "not a valid seed"),
        ]
    )
    func invalid(text: String, expected: String) throws {
        let url = try Self.write(text, extension: "json")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            try Seed.load(contentsOf: url)
        } throws: { error in
            String(describing: error).contains(expected)
        }
    }
}
