import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("POST /v2/bot/message/push")
struct PushTests {
    static let bot = Seed.messagingChannel

    static func token(_ emulator: TestEmulator) async throws -> String {
        try #require(try await ChannelTokenTests.issueShortLived(emulator).json["access_token"] as? String)
    }

    static func push(_ emulator: TestEmulator, token: String, body: Any, retryKey: String? = nil) async throws -> RawResponse {
        var headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")]
        if let retryKey { headers.append(("X-Line-Retry-Key", retryKey)) }
        return try await RawHTTP(emulator).send(
            .POST,
            "/v2/bot/message/push",
            headers: headers,
            body: try JSONSerialization.data(withJSONObject: body)
        )
    }

    static func push(_ emulator: TestEmulator, token: String, to: String, text: String, retryKey: String? = nil) async throws -> RawResponse
    {
        try await push(emulator, token: token, body: ["to": to, "messages": [["type": "text", "text": text]]], retryKey: retryKey)
    }

    @Test("a push answers sentMessages with string ids and quote tokens, and is stored for the recipient")
    func push() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Self.token(emulator)
            let body: [String: Any] = [
                "to": Fixture.brown.userID,
                "messages": [["type": "text", "text": "Hello 🍎"], ["type": "sticker", "packageId": "446", "stickerId": "1988"]],
                "notificationDisabled": true,
            ]
            let response = try await Self.push(emulator, token: token, body: body)
            #expect(response.status == 200, "\(response.text)")
            let sent = try #require(response.json["sentMessages"] as? [[String: Any]])
            #expect(sent.count == 2)
            #expect(sent.allSatisfy { ($0["id"] as? String)?.count == 18 && $0["quoteToken"] is String })

            let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.brown.userID)")
            let messages = try #require(listed.json["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            #expect(messages.map { $0["id"] as? String } == sent.reversed().map { $0["id"] as? String }, "newest first")
            #expect((messages.last?["message"] as? [String: Any])?["text"] as? String == "Hello 🍎")
            #expect(messages.last?["delivered"] as? Bool == true)
            #expect(messages.last?["requestId"] as? String == response.requestID)
        }
    }

    @Test("a non-friend still gets 200, but the message is recorded as not delivered")
    func nonFriend() async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.push(emulator, token: try await Self.token(emulator), to: Fixture.sally.userID, text: "hi")
            #expect(response.status == 200)
            let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.sally.userID)")
            #expect((listed.json["messages"] as? [[String: Any]])?.first?["delivered"] as? Bool == false)
        }
    }

    @Test("X-Line-Retry-Key: the retry gets 409 with x-line-accepted-request-id and the original sentMessages; nothing is sent twice")
    func retryKey() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Self.token(emulator)
            let key = UUID().uuidString.lowercased()
            let first = try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "once", retryKey: key)
            #expect(first.status == 200)
            let retry = try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "once", retryKey: key)
            #expect(retry.status == 409)
            #expect(retry.headers.first(name: "x-line-accepted-request-id") == first.requestID)
            #expect(retry.requestID != first.requestID)
            #expect(retry.json["message"] as? String == "The retry key is already accepted")
            let original = try #require(first.json["sentMessages"] as? [[String: Any]])
            let repeated = try #require(retry.json["sentMessages"] as? [[String: Any]])
            #expect(repeated.map { $0["id"] as? String } == original.map { $0["id"] as? String })
            let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.brown.userID)")
            #expect((listed.json["messages"] as? [Any])?.count == 1)

            emulator.clock.advance(by: 24 * 3600 + 1)
            let later = try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "once", retryKey: key)
            #expect(later.status == 200, "after 24 hours the key is new again")
        }
    }

    @Test("a failed request does not use up its retry key; a malformed key is 400")
    func retryKeyErrors() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Self.token(emulator)
            let key = UUID().uuidString
            let invalid = try await Self.push(emulator, token: token, body: ["to": Fixture.brown.userID, "messages": []], retryKey: key)
            #expect(invalid.status == 400)
            #expect(try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "ok", retryKey: key).status == 200)
            let malformed = try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "x", retryKey: "not-a-uuid")
            #expect(malformed.status == 400)
            #expect(malformed.json["message"] is String)
        }
    }

    @Test("100 concurrent pushes with one retry key store the messages once")
    func concurrentRetries() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Self.token(emulator)
            let key = UUID().uuidString.lowercased()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await Self.push(emulator, token: token, to: Fixture.cony.userID, text: "race", retryKey: key).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 99)
            let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.cony.userID)")
            #expect((listed.json["messages"] as? [Any])?.count == 1)
        }
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var name: String
        var body: @Sendable () -> [String: Any]
        var message: String
        var property: String
        var testDescription: String { name }
    }

    static let invalidBodies: [Invalid] = [
        .init(
            name: "no messages",
            body: { ["to": Fixture.brown.userID, "messages": [Any]()] },
            message: "Size must be between 1 and 5",
            property: "messages"
        ),
        .init(
            name: "six messages",
            body: { ["to": Fixture.brown.userID, "messages": Array(repeating: ["type": "text", "text": "x"], count: 6)] },
            message: "Size must be between 1 and 5",
            property: "messages"
        ),
        .init(
            name: "5,001 UTF-16 units",
            body: { ["to": Fixture.brown.userID, "messages": [["type": "text", "text": String(repeating: "🍎", count: 2500) + "a"]]] },
            message: "Length must be between 0 and 5000",
            property: "messages[0].text"
        ),
        .init(
            name: "empty text",
            body: { ["to": Fixture.brown.userID, "messages": [["type": "text", "text": ""]]] },
            message: "May not be empty",
            property: "messages[0].text"
        ),
        .init(
            name: "unknown type",
            body: { ["to": Fixture.brown.userID, "messages": [["type": "poll"]]] },
            message:
                "Must be one of the following values: [text, image, video, audio, location, sticker, template, imagemap]",
            property: "messages[0].type"
        ),
        .init(
            name: "sticker without stickerId",
            body: { ["to": Fixture.brown.userID, "messages": [["type": "sticker", "packageId": "1"]]] },
            message: "must be specified",
            property: "messages[0].stickerId"
        ),
        .init(name: "no to", body: { ["messages": [["type": "text", "text": "x"]]] }, message: "must be specified", property: "to"),
        .init(
            name: "14 quick reply items",
            body: {
                let item: [String: Any] = ["type": "action", "action": ["type": "message", "label": "a", "text": "a"]]
                return [
                    "to": Fixture.brown.userID,
                    "messages": [["type": "text", "text": "x", "quickReply": ["items": Array(repeating: item, count: 14)]]],
                ]
            },
            message: "Size must be between 0 and 13",
            property: "messages[0].quickReply.items"
        ),
        .init(
            name: "a sender name over 20 characters",
            body: {
                [
                    "to": Fixture.brown.userID,
                    "messages": [["type": "text", "text": "x", "sender": ["name": String(repeating: "n", count: 21)]]],
                ]
            },
            message: "Length must be between 0 and 20",
            property: "messages[0].sender.name"
        ),
        .init(
            name: "a custom aggregation unit with a space",
            body: { ["to": Fixture.brown.userID, "messages": [["type": "text", "text": "x"]], "customAggregationUnits": ["a b"]] },
            message: "Must be 1 to 30 characters of A-Z, a-z, 0-9 and _",
            property: "customAggregationUnits[0]"
        ),
    ]

    @Test("invalid bodies get LINE's 400 with one detail per problem", arguments: invalidBodies)
    func invalidBody(_ testCase: Invalid) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.push(emulator, token: try await Self.token(emulator), body: testCase.body())
            #expect(response.status == 400)
            #expect(response.json["message"] as? String == "The request body has 1 error(s)")
            let details = try #require(response.json["details"] as? [[String: Any]])
            #expect(details.first?["message"] as? String == testCase.message)
            #expect(details.first?["property"] as? String == testCase.property)
        }
    }

    @Test("5,000 UTF-16 units is the most a text can hold")
    func longestText() async throws {
        try await TestEmulator.run { emulator in
            let text = String(repeating: "🍎", count: 2500)
            let token = try await Self.token(emulator)
            #expect(try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: text).status == 200)
        }
    }

    @Test("authentication and content errors")
    func authentication() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let body = try JSONSerialization.data(withJSONObject: [
                "to": Fixture.brown.userID, "messages": [["type": "text", "text": "x"]],
            ])
            let anonymous = try await http.send(.POST, "/v2/bot/message/push", headers: [("Content-Type", "application/json")], body: body)
            #expect(anonymous.status == 401)
            #expect(
                anonymous.json["message"] as? String
                    == "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
            )
            #expect(try await Self.push(emulator, token: "bogus", to: Fixture.brown.userID, text: "x").status == 401)

            let loginToken = try #require(
                try await ChannelTokenTests.issueShortLived(emulator, channel: Fixture.web).json["access_token"] as? String
            )
            let forbidden = try await Self.push(emulator, token: loginToken, to: Fixture.brown.userID, text: "x")
            #expect(forbidden.status == 403)

            let token = try await Self.token(emulator)
            let badTo = try await Self.push(emulator, token: token, to: "someone", text: "x")
            #expect(badTo.status == 400)
            #expect(
                (badTo.json["message"] as? String)?.hasPrefix("The property, 'to', in the request body is invalid (line: 1, column: ")
                    == true
            )
            let notJSON = try await http.send(
                .POST,
                "/v2/bot/message/push",
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: Data("{".utf8)
            )
            #expect(notJSON.status == 400)
            #expect(notJSON.json["message"] as? String == "The request body could not be parsed as JSON (line: 1, column: 2)")
            let text = try await http.send(
                .POST,
                "/v2/bot/message/push",
                headers: [("Content-Type", "text/plain"), ("Authorization", "Bearer \(token)")],
                body: body
            )
            #expect(text.status == 415)
            #expect(text.json["message"] as? String == "The content type, text/plain, is not supported")

            _ = try await http.postForm("/v2/oauth/revoke", [("access_token", token)])
            #expect(try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "x").status == 401, "revoked")
        }
    }

    @Test("push is rate limited per channel")
    func rateLimit() async throws {
        try await TestEmulator.run(configure: { $0.rateLimits = [.push: 0.01] }) { emulator in
            let token = try await Self.token(emulator)
            #expect(try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "x").status == 200)
            let limited = try await Self.push(emulator, token: token, to: Fixture.brown.userID, text: "x")
            #expect(limited.status == 429)
            #expect(limited.json["message"] as? String == "The API rate limit has been exceeded. Try again later.")
        }
    }
}
