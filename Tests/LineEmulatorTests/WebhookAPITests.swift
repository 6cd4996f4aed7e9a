import Foundation
import HTTPTypes
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import NIOHTTP1
import Testing

/// LINE's webhook settings endpoints and the reply API, with the statuses and bodies of LINE's OpenAPI document.
@Suite("Webhook endpoint API and reply")
struct WebhookAPITests {
    static let bot = Seed.messagingChannel
    static let endpoint = "/v2/bot/channel/webhook/endpoint"

    static func send(_ emulator: TestEmulator, _ method: HTTPMethod, _ path: String, token: String, _ object: Any?) async throws
        -> RawResponse
    {
        try await RawHTTP(emulator).send(
            method,
            path,
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
            body: try object.map { try JSONSerialization.data(withJSONObject: $0) }
        )
    }

    @Test("PUT and GET the webhook endpoint, with LINE's validation errors")
    func setAndGet() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let unset = try await RawHTTP(emulator).get(Self.endpoint, bearer: token)
            #expect(unset.status == 200)
            #expect(unset.text == #"{"active":false,"endpoint":""}"#)

            let set = try await Self.send(emulator, .PUT, Self.endpoint, token: token, ["endpoint": "http://127.0.0.1:9/hook"])
            #expect(set.status == 200)
            #expect(set.text == "{}")
            let got = try await RawHTTP(emulator).get(Self.endpoint, bearer: token)
            #expect(got.json["endpoint"] as? String == "http://127.0.0.1:9/hook")
            #expect(got.json["active"] as? Bool == true)

            let missing = try await Self.send(emulator, .PUT, Self.endpoint, token: token, [String: Any]())
            #expect(missing.status == 400)
            #expect(
                missing.text
                    == #"{"details":[{"message":"must be specified","property":"endpoint"}],"message":"The request body has 1 error(s)"}"#
            )
            for bad in ["ftp://example.com/hook", "not a url", "https://", "https://example.com/#x"] {
                let invalid = try await Self.send(emulator, .PUT, Self.endpoint, token: token, ["endpoint": bad])
                #expect(invalid.status == 400, "\(bad)")
                #expect(invalid.json["message"] as? String == "Invalid webhook endpoint URL", "\(bad)")
            }
            let long = try await Self.send(
                emulator,
                .PUT,
                Self.endpoint,
                token: token,
                ["endpoint": "https://example.com/" + String(repeating: "a", count: 481)]
            )
            #expect(long.status == 400)
            #expect(long.json["message"] as? String == "The request body has 1 error(s)")
            let wrongType = try await RawHTTP(emulator).send(
                .PUT,
                Self.endpoint,
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: Data(#"{"endpoint": 5}"#.utf8)
            )
            #expect(wrongType.status == 400)
            #expect(
                wrongType.json["message"] as? String == "The property, 'endpoint', in the request body is invalid (line: 1, column: 14)"
            )
            #expect(try await RawHTTP(emulator).get(Self.endpoint).status == 401)
            #expect(try await RawHTTP(emulator).get(Self.endpoint, bearer: "nope").status == 401)

            // The admin API switches webhooks off; LINE's GET reports it.
            #expect(
                try await RawHTTP(emulator).admin(.PUT, "/_emulator/v1/channels/\(Self.bot.channelID)/webhook", ["active": false]).status
                    == 200
            )
            #expect(try await RawHTTP(emulator).get(Self.endpoint, bearer: token).json["active"] as? Bool == false)
        }
    }

    @Test("POST webhook/test sends a signed body without events and reports the receiver's answer as LINE does")
    func testEndpoint() async throws {
        try await WebhookReceiver.run { ok in
            try await WebhookReceiver.run(status: .notFound) { missing in
                try await TestEmulator.run { emulator in
                    let token = try await PushTests.token(emulator)
                    let path = "/v2/bot/channel/webhook/test"
                    let noURL = try await Self.send(emulator, .POST, path, token: token, nil as Any?)
                    #expect(noURL.status == 400)
                    #expect(noURL.json["message"] as? String == "The webhook endpoint URL is not set")

                    _ = try await Self.send(emulator, .PUT, Self.endpoint, token: token, ["endpoint": ok.url])
                    let passed = try await Self.send(emulator, .POST, path, token: token, nil as Any?)
                    #expect(passed.status == 200)
                    #expect(passed.json["success"] as? Bool == true)
                    #expect(passed.json["statusCode"] as? Int == 200)
                    #expect(passed.json["reason"] as? String == "OK")
                    #expect(passed.json["detail"] as? String == "200")
                    #expect((passed.json["timestamp"] as? String)?.hasSuffix("Z") == true)
                    let received = try await ok.waitFor(1)[0]
                    let payload = try WebhookParser(channelSecret: Self.bot.channelSecret)
                        .parse(body: received.body, signature: received.headers["x-line-signature"])
                    #expect(payload.events.isEmpty)

                    let notFound = try await Self.send(emulator, .POST, path, token: token, ["endpoint": missing.url])
                    #expect(notFound.json["success"] as? Bool == false)
                    #expect(notFound.json["statusCode"] as? Int == 404)
                    #expect(notFound.json["reason"] as? String == "ERROR_STATUS_CODE")
                    #expect(notFound.json["detail"] as? String == "404")

                    let refused = try await Self.send(emulator, .POST, path, token: token, ["endpoint": "http://127.0.0.1:1/x"])
                    #expect(refused.json["success"] as? Bool == false)
                    #expect(refused.json["statusCode"] as? Int == 0)
                    #expect(refused.json["reason"] as? String == "COULD_NOT_CONNECT")
                    #expect(try await emulator.webhookDeliveries().isEmpty, "tests are not deliveries")
                }
            }
        }
    }

    /// A reply token from a text message the user sends.
    static func replyToken(_ emulator: TestEmulator, _ receiver: WebhookReceiver, count: Int) async throws -> String {
        try await emulator.sendText("hi", from: Fixture.brown.userID, to: bot.channelID)
        let received = try await receiver.waitFor(count)
        return try #require(received[count - 1].events.first?["replyToken"] as? String)
    }

    static func reply(_ emulator: TestEmulator, token: String, _ body: [String: Any], headers: [(String, String)] = []) async throws
        -> RawResponse
    {
        try await RawHTTP(emulator).send(
            .POST,
            "/v2/bot/message/reply",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")] + headers,
            body: try JSONSerialization.data(withJSONObject: body)
        )
    }

    @Test("a reply answers sentMessages and shows in the chat; the token works once, then is LINE's Invalid reply token")
    func reply() async throws {
        try await WebhookTests.withWebhook { emulator, receiver in
            let channelToken = try await PushTests.token(emulator)
            let replyToken = try await Self.replyToken(emulator, receiver, count: 1)
            let body: [String: Any] = [
                "replyToken": replyToken,
                "messages": [["type": "text", "text": "Hello back"], ["type": "sticker", "packageId": "446", "stickerId": "1988"]],
                "notificationDisabled": true,
            ]
            let replied = try await Self.reply(emulator, token: channelToken, body)
            #expect(replied.status == 200, "\(replied.text)")
            let sent = try #require(replied.json["sentMessages"] as? [[String: Any]])
            #expect(sent.count == 2)
            #expect(sent.allSatisfy { ($0["id"] as? String)?.count == 18 && $0["quoteToken"] is String })
            let stored = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.brown.userID)")
            #expect((stored.json["messages"] as? [[String: Any]])?.count == 2)
            #expect(try await RawHTTP(emulator).get("/_emulator/console/messages?to=\(Fixture.brown.userID)").text.contains("Hello back"))

            let again = try await Self.reply(emulator, token: channelToken, body)
            #expect(again.status == 400)
            #expect(again.text == #"{"message":"Invalid reply token"}"#)
            let unknown = try await Self.reply(
                emulator,
                token: channelToken,
                ["replyToken": "nope", "messages": [["type": "text", "text": "x"]]]
            )
            #expect(unknown.text == #"{"message":"Invalid reply token"}"#)
        }
    }

    @Test("reply validation: replyToken required, messages 1 to 5, no X-Line-Retry-Key, 401 without a token")
    func replyValidation() async throws {
        try await TestEmulator.run { emulator in
            let channelToken = try await PushTests.token(emulator)
            let six = Array(repeating: ["type": "text", "text": "x"], count: 6)
            let invalid = try await Self.reply(emulator, token: channelToken, ["messages": six])
            #expect(invalid.status == 400)
            #expect(
                invalid.text
                    == #"{"details":[{"message":"must be specified","property":"replyToken"},{"message":"Size must be between 1 and 5","property":"messages"}],"message":"The request body has 2 error(s)"}"#
            )
            let empty = try await Self.reply(
                emulator,
                token: channelToken,
                ["replyToken": "t", "messages": [["type": "text", "text": ""]]]
            )
            #expect(empty.json["details"] as? [[String: String]] == [["message": "May not be empty", "property": "messages[0].text"]])
            let notBool = try await Self.reply(
                emulator,
                token: channelToken,
                ["replyToken": "t", "messages": [["type": "text", "text": "x"]], "notificationDisabled": "yes"]
            )
            #expect(
                (notBool.json["message"] as? String)?.hasPrefix("The property, 'notificationDisabled', in the request body is invalid")
                    == true
            )
            let retry = try await Self.reply(
                emulator,
                token: channelToken,
                ["replyToken": "t", "messages": [["type": "text", "text": "x"]]],
                headers: [("X-Line-Retry-Key", UUID().uuidString)]
            )
            #expect(retry.status == 400)
            #expect(retry.text == #"{"message":"The X-Line-Retry-Key header is not supported by this endpoint"}"#)
            let anonymous = try await RawHTTP(emulator).postJSON("/v2/bot/message/reply", ["replyToken": "t", "messages": []])
            #expect(anonymous.status == 401)
        }
    }

    @Test("a reply token expires one minute after its event, by the emulator's clock")
    func replyTokenExpires() async throws {
        try await WebhookTests.withWebhook { emulator, receiver in
            let channelToken = try await PushTests.token(emulator)
            let body = { (token: String) in ["replyToken": token, "messages": [["type": "text", "text": "late"]]] as [String: Any] }
            let fresh = try await Self.replyToken(emulator, receiver, count: 1)
            emulator.clock.advance(by: 59)
            #expect(try await Self.reply(emulator, token: channelToken, body(fresh)).status == 200)
            let stale = try await Self.replyToken(emulator, receiver, count: 2)
            emulator.clock.advance(by: 61)
            let expired = try await Self.reply(emulator, token: channelToken, body(stale))
            #expect(expired.status == 400)
            #expect(expired.text == #"{"message":"Invalid reply token"}"#)
        }
    }

    @Test("a reply token is single use under concurrency: 20 trials of 8 concurrent replies, exactly one 200 each")
    func replyTokenRace() async throws {
        try await WebhookTests.withWebhook { emulator, receiver in
            let channelToken = try await PushTests.token(emulator)
            for trial in 1...20 {
                let replyToken = try await Self.replyToken(emulator, receiver, count: trial)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            try await Self.reply(
                                emulator,
                                token: channelToken,
                                ["replyToken": replyToken, "messages": [["type": "text", "text": "race"]]]
                            )
                            .status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 200 }.count == 1, "trial \(trial): \(statuses)")
                #expect(statuses.filter { $0 == 400 }.count == 7, "trial \(trial): \(statuses)")
            }
            let stored = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(Fixture.brown.userID)&limit=1000")
            #expect((stored.json["messages"] as? [Any])?.count == 20, "one stored reply per token")
        }
    }

    @Test("the delivery list refuses a limit that is not 1 to 1000 or not a number, as the other admin lists do")
    func deliveryListLimit() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            for (limit, message) in [
                ("0", "limit must be 1 to 1000"), ("1001", "limit must be 1 to 1000"), ("ten", "limit must be an integer"),
            ] {
                let refused = try await http.get("/_emulator/v1/webhook-deliveries?limit=\(limit)")
                #expect(refused.status == 400, "limit=\(limit)")
                #expect(refused.json["message"] as? String == message, "limit=\(limit)")
            }
            #expect(try await http.get("/_emulator/v1/webhook-deliveries?limit=1000").status == 200)
            #expect(try await http.get("/_emulator/v1/webhook-deliveries").status == 200)
        }
    }
}

@Suite("Linked LINE Official Accounts")
struct LinkedChannelTests {
    @Test("the admin API and the console link a LINE Login channel to an account; bot_prompt and friendship follow the link")
    func link() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let bot = Seed.messagingChannel.channelID
            #expect(try await http.get("/_emulator/v1/channels/\(Fixture.web.channelID)/link").text == #"{"linkedChannelId":"\#(bot)"}"#)
            let channels = try #require(try await http.get("/_emulator/v1/channels").json["channels"] as? [[String: Any]])
            #expect(channels.first { $0["channelId"] as? String == Fixture.web.channelID }?["linkedChannelId"] as? String == bot)

            // Unlinked: no add-friend option, and nobody is a friend through the channel.
            let unlink = try await http.admin(.PUT, "/_emulator/v1/channels/\(Fixture.web.channelID)/link", ["linkedChannelId": NSNull()])
            #expect(unlink.status == 200)
            let authorize = Fixture.authorizeURL(emulator, extra: [("bot_prompt", "normal")])
            let page = try await http.get("/oauth2/v2.1/authorize?" + (authorize.query ?? ""))
            #expect(!page.text.contains("name=\"add_friend\""))
            let brown = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            #expect(try await http.get("/friendship/v1/status", bearer: brown).json["friendFlag"] as? Bool == false)

            // Linked again through the console: Brown, a friend of the account, is a friend through the channel again.
            let session = try await ConsoleTests.session(emulator)
            let linked = try await ConsoleTests.post(
                emulator,
                "/links/\(Fixture.web.channelID)",
                [("linkedChannelId", bot)],
                session: session
            )
            #expect(linked.status == 303)
            #expect(try await http.get("/friendship/v1/status", bearer: brown).json["friendFlag"] as? Bool == true)
            #expect(try await http.get("/_emulator/console/webhooks").text.contains("value=\"\(bot)\" selected"))

            // Only a Messaging API channel can be linked, only to a LINE Login channel.
            let toLogin = try await http.admin(
                .PUT,
                "/_emulator/v1/channels/\(Fixture.web.channelID)/link",
                ["linkedChannelId": Fixture.native.channelID]
            )
            #expect(toLogin.status == 400)
            let fromBot = try await http.admin(.PUT, "/_emulator/v1/channels/\(bot)/link", ["linkedChannelId": bot])
            #expect(fromBot.status == 400)
            let badConsole = try await ConsoleTests.post(
                emulator,
                "/links/\(Fixture.web.channelID)",
                [("linkedChannelId", Fixture.native.channelID)],
                session: session
            )
            #expect(badConsole.status == 400)

            // A new channel can be created linked, and a bot with its webhook; the console's webhook form sets both fields.
            let created = try await http.admin(
                .POST,
                "/_emulator/v1/channels",
                ["channelId": "1234567890", "callbackUrls": ["http://localhost/cb"], "linkedChannelId": bot]
            )
            #expect(created.status == 201)
            #expect(created.json["linkedChannelId"] as? String == bot)
            let hooked = try await http.admin(
                .POST,
                "/_emulator/v1/channels",
                ["channelId": "1234567891", "type": "messaging", "webhookUrl": "ftp://x/"]
            )
            #expect(hooked.status == 400)
            let form = try await ConsoleTests.post(
                emulator,
                "/webhooks/\(bot)",
                [("url", "http://127.0.0.1:9/hook"), ("active", "on")],
                session: session
            )
            #expect(form.status == 303)
            let webhook = try await http.get("/_emulator/v1/channels/\(bot)/webhook").json
            #expect(webhook["url"] as? String == "http://127.0.0.1:9/hook")
            #expect(webhook["active"] as? Bool == true)
        }
    }
}
