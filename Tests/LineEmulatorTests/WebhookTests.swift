import Foundation
import HTTPTypes
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import NIOHTTP1
import Testing

/// Webhooks from the emulator's LINE Official Account side: what users do becomes signed events at the channel's
/// webhook URL, with LINE's body, headers and fields; deliveries are recorded and can be sent again.
@Suite("Webhook delivery")
struct WebhookTests {
    static let bot = Seed.messagingChannel
    static let parser = WebhookParser(channelSecret: Seed.messagingChannel.channelSecret)

    /// Runs `body` with an emulator whose bot channel posts to a fresh receiver.
    static func withWebhook<Result: Sendable>(
        status: HTTPResponseStatusCode = 200,
        answer: String = "",
        delay: Duration = .zero,
        configure: @escaping (inout Emulator.Configuration) -> Void = { _ in },
        _ body: (TestEmulator, WebhookReceiver) async throws -> Result
    ) async throws -> Result {
        try await WebhookReceiver.run(status: .init(code: status), answer: answer, delay: delay) { receiver in
            try await TestEmulator.run(configure: configure) { emulator in
                try await emulator.setWebhook(channelID: bot.channelID, url: receiver.url)
                return try await body(emulator, receiver)
            }
        }
    }

    typealias HTTPResponseStatusCode = Int

    /// The one event of a received request, checked against LINE's common fields and parsed by the SDK.
    static func event(_ received: WebhookReceiver.Received, clock: EmulatorClock) throws -> [String: Any] {
        #expect(received.headers["content-type"] == "application/json; charset=utf-8")
        #expect(received.headers["user-agent"] == "LineBotWebhook/2.0")
        let payload = try parser.parse(body: received.body, signature: received.headers["x-line-signature"])
        #expect(payload.destination.count == 33 && payload.destination.hasPrefix("U"))
        #expect(payload.events.count == 1)
        let event = try #require(received.events.first)
        #expect(event["mode"] as? String == "active")
        #expect(event["timestamp"] as? Int == Int((clock.now.timeIntervalSince1970 * 1000).rounded(.down)))
        #expect((event["webhookEventId"] as? String)?.count == 26)
        #expect((event["deliveryContext"] as? [String: Any])?["isRedelivery"] as? Bool == false)
        #expect((event["source"] as? [String: Any])?["type"] as? String == "user")
        return event
    }

    @Test("a follow is POSTed signed with the channel secret, with LINE's headers and fields, and recorded as delivered")
    func followDelivered() async throws {
        try await Self.withWebhook(answer: "thanks") { emulator, receiver in
            try await emulator.follow(userID: Fixture.sally.userID, channelID: Self.bot.channelID)
            let received = try await receiver.waitFor(1)
            let event = try Self.event(received[0], clock: emulator.clock)
            #expect(event["type"] as? String == "follow")
            #expect((event["source"] as? [String: Any])?["userId"] as? String == Fixture.sally.userID)
            #expect((event["replyToken"] as? String)?.count == 32)
            #expect((event["follow"] as? [String: Any])?["isUnblocked"] as? Bool == false)

            let deliveries = try await emulator.settledWebhookDeliveries(count: 1)
            #expect(deliveries.count == 1)
            #expect(deliveries[0].state == "delivered")
            #expect(deliveries[0].statusCode == 200)
            #expect(deliveries[0].responseExcerpt == "thanks")
            #expect(deliveries[0].latencyMs != nil)
            #expect(Data(deliveries[0].rawBody.utf8) == received[0].body, "the recorded body is the one signed and sent")
        }
    }

    @Test("a wrong secret, a changed body or no signature is refused by the SDK's parser")
    func signatureIsLINEs() async throws {
        try await Self.withWebhook { emulator, receiver in
            try await emulator.sendText("hi", from: Fixture.brown.userID, to: Self.bot.channelID)
            let received = try await receiver.waitFor(1)[0]
            let signature = received.headers["x-line-signature"]
            #expect(throws: WebhookError.self) {
                try WebhookParser(channelSecret: Seed.webChannel.channelSecret).parse(body: received.body, signature: signature)
            }
            #expect(throws: WebhookError.self) { try Self.parser.parse(body: received.body + Data(" ".utf8), signature: signature) }
            #expect(throws: WebhookError.self) { try Self.parser.parse(body: received.body, signature: nil) }
        }
    }

    @Test("every event type: follow on the consent page, console block and re-add, text, sticker, postback")
    func everyEventType() async throws {
        try await Self.withWebhook { emulator, receiver in
            // bot_prompt on the web channel: Cony adds its linked account on the consent page.
            let url = Fixture.authorizeURL(emulator, extra: [("bot_prompt", "normal")])
            let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.cony.userID, addFriend: true))
            #expect(Fixture.parameters(of: callback)["friendship_status_changed"] == "true")
            let follow = try Self.event(try await receiver.waitFor(1)[0], clock: emulator.clock)
            #expect(follow["type"] as? String == "follow")
            #expect((follow["source"] as? [String: Any])?["userId"] as? String == Fixture.cony.userID)

            // The console's friend toggle: unchecking blocks (unfollow, no reply token), checking again unblocks.
            let session = try await ConsoleTests.session(emulator)
            let path = "/users/\(Fixture.cony.userID)"
            _ = try await ConsoleTests.post(emulator, path, [("displayName", "Cony")], session: session)
            let unfollow = try Self.event(try await receiver.waitFor(2)[1], clock: emulator.clock)
            #expect(unfollow["type"] as? String == "unfollow")
            #expect(unfollow["replyToken"] == nil)
            _ = try await ConsoleTests.post(
                emulator,
                path,
                [("displayName", "Cony"), ("friend", Self.bot.channelID)],
                session: session
            )
            let refollow = try Self.event(try await receiver.waitFor(3)[2], clock: emulator.clock)
            #expect((refollow["follow"] as? [String: Any])?["isUnblocked"] as? Bool == true)

            // The console's chat composer: text, then sticker, then postback.
            let act = "/messages/act"
            let common = [("userId", Fixture.cony.userID), ("channelId", Self.bot.channelID)]
            #expect(
                try await ConsoleTests.post(emulator, act, common + [("kind", "text"), ("text", "Hello 🐰")], session: session).status == 303
            )
            let text = try Self.event(try await receiver.waitFor(4)[3], clock: emulator.clock)
            let textMessage = try #require(text["message"] as? [String: Any])
            #expect(textMessage["type"] as? String == "text")
            #expect(textMessage["text"] as? String == "Hello 🐰")
            #expect((textMessage["id"] as? String)?.count == 18)
            #expect(textMessage["quoteToken"] is String)
            #expect(text["replyToken"] is String)

            _ = try await ConsoleTests.post(emulator, act, common + [("kind", "sticker"), ("sticker", "446/1988")], session: session)
            let sticker = try #require(try Self.event(try await receiver.waitFor(5)[4], clock: emulator.clock)["message"] as? [String: Any])
            #expect(sticker["type"] as? String == "sticker")
            #expect(sticker["packageId"] as? String == "446")
            #expect(sticker["stickerId"] as? String == "1988")
            #expect(sticker["stickerResourceType"] as? String == "STATIC")

            try await emulator.postback(
                data: "action=buy&item=1",
                params: ["date": "2026-12-01"],
                from: Fixture.cony.userID,
                to: Self.bot.channelID
            )
            let postback = try Self.event(try await receiver.waitFor(6)[5], clock: emulator.clock)
            #expect(postback["type"] as? String == "postback")
            #expect((postback["postback"] as? [String: Any])?["data"] as? String == "action=buy&item=1")
            #expect(((postback["postback"] as? [String: Any])?["params"] as? [String: Any])?["date"] as? String == "2026-12-01")
            #expect(postback["replyToken"] is String)

            // The SDK decodes every one of them to its typed content.
            let contents = try receiver.requests.map {
                try Self.parser.parse(body: $0.body, signature: $0.headers["x-line-signature"]).events[0].content
            }
            #expect(contents.count == 6)
            #expect(contents[0] == .follow(isUnblocked: false))
            #expect(contents[1] == .unfollow)
            #expect(contents[2] == .follow(isUnblocked: true))
        }
    }

    @Test("a slow receiver is recorded as timed out, an error status with its body, a closed port as an error")
    func failuresRecorded() async throws {
        try await WebhookReceiver.run(delay: .seconds(10)) { slow in
            try await WebhookReceiver.run(status: .internalServerError, answer: "boom") { failing in
                try await TestEmulator.run(configure: { $0.webhookTimeout = .seconds(2) }) { emulator in
                    let http = RawHTTP(emulator)
                    try await emulator.setWebhook(channelID: Self.bot.channelID, url: slow.url)
                    try await emulator.sendText("slow", from: Fixture.brown.userID, to: Self.bot.channelID)
                    let timedOut = try await emulator.settledWebhookDeliveries(count: 1)[0]
                    #expect(timedOut.state == "failed")
                    #expect(timedOut.error == "timed out")
                    #expect(timedOut.statusCode == nil)

                    try await emulator.setWebhook(channelID: Self.bot.channelID, url: failing.url)
                    try await emulator.sendText("fail", from: Fixture.brown.userID, to: Self.bot.channelID)
                    let failed = try await emulator.settledWebhookDeliveries(count: 2)[0]
                    #expect(failed.state == "failed")
                    #expect(failed.statusCode == 500, "\(failed)")
                    #expect(failed.responseExcerpt == "boom")

                    try await emulator.setWebhook(channelID: Self.bot.channelID, url: "http://127.0.0.1:1/webhook")
                    try await emulator.sendText("nobody", from: Fixture.brown.userID, to: Self.bot.channelID)
                    let refused = try await emulator.settledWebhookDeliveries(count: 3)[0]
                    #expect(refused.state == "failed")
                    #expect(refused.statusCode == nil)
                    #expect(refused.error?.isEmpty == false)

                    let page = try await http.get("/_emulator/console/webhooks").text
                    #expect(page.contains("timed out"))
                    #expect(page.contains("boom"))
                }
            }
        }
    }

    @Test("redelivery sends the same events marked isRedelivery, signed again, and records a new delivery")
    func redelivery() async throws {
        try await Self.withWebhook { emulator, receiver in
            try await emulator.sendText("again", from: Fixture.brown.userID, to: Self.bot.channelID)
            let original = try await emulator.settledWebhookDeliveries(count: 1)[0]
            let again = try await emulator.redeliver(deliveryID: original.id)
            #expect(again.isRedelivery)
            #expect(again.id != original.id)
            let received = try await receiver.waitFor(2)
            let payload = try Self.parser.parse(body: received[1].body, signature: received[1].headers["x-line-signature"])
            let first = try Self.parser.parse(body: received[0].body, signature: received[0].headers["x-line-signature"])
            #expect(payload.events[0].isRedelivery)
            #expect(!first.events[0].isRedelivery)
            #expect(payload.events[0].webhookEventID == first.events[0].webhookEventID)
            #expect(payload.events[0].timestamp == first.events[0].timestamp)
            #expect(try await emulator.settledWebhookDeliveries(count: 2).map(\.isRedelivery) == [true, false])

            // The console's button does the same.
            let session = try await ConsoleTests.session(emulator)
            let button = try await ConsoleTests.post(emulator, "/webhook-deliveries/\(original.id)/redeliver", [], session: session)
            #expect(button.status == 303)
            #expect(try await receiver.waitFor(3).count == 3)
            #expect(try await RawHTTP(emulator).admin(.POST, "/_emulator/v1/webhook-deliveries/nope/redeliver").status == 404)
        }
    }

    @Test("nothing is sent without a URL or with webhooks switched off; the event still happens")
    func off() async throws {
        try await WebhookReceiver.run { receiver in
            try await TestEmulator.run { emulator in
                let http = RawHTTP(emulator)
                let none = try await http.admin(
                    .POST,
                    "/_emulator/v1/users/\(Fixture.brown.userID)/actions",
                    ["channelId": Self.bot.channelID, "type": "text", "text": "hi"]
                )
                #expect(none.status == 200)
                #expect(none.text == #"{"event":null}"#)
                try await emulator.setWebhook(channelID: Self.bot.channelID, url: receiver.url, active: false)
                try await emulator.unfollow(userID: Fixture.brown.userID, channelID: Self.bot.channelID)
                #expect((try await http.get("/_emulator/v1/webhook-deliveries").json["deliveries"] as? [Any])?.isEmpty == true)
                let brown = try #require(try await Fixture.login(emulator)["access_token"] as? String)
                #expect(try await http.get("/friendship/v1/status", bearer: brown).json["friendFlag"] as? Bool == false)
                #expect(receiver.requests.isEmpty)
            }
        }
    }

    @Test("user actions refuse unknown users and channels, non-friends' messages and bad types")
    func actionRefusals() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            func act(_ user: String, _ body: [String: Any]) async throws -> Int {
                try await http.admin(.POST, "/_emulator/v1/users/\(user)/actions", body).status
            }
            let status1 = try await act(Fixture.sally.userID, ["channelId": Self.bot.channelID, "type": "text", "text": "hi"])
            #expect(status1 == 409)
            let status2 = try await act(Fixture.brown.userID, ["channelId": Fixture.web.channelID, "type": "text", "text": "hi"])
            #expect(status2 == 404)
            let status3 = try await act("U" + String(repeating: "9", count: 32), ["channelId": Self.bot.channelID, "type": "follow"])
            #expect(status3 == 404)
            let status4 = try await act(Fixture.brown.userID, ["channelId": Self.bot.channelID, "type": "dance"])
            #expect(status4 == 400)
            let status5 = try await act(Fixture.brown.userID, ["channelId": Self.bot.channelID, "type": "text", "text": ""])
            #expect(status5 == 400)
        }
    }

    @Test("a login is not slowed by a receiver that takes 20 s: the callback comes while the follow is still pending")
    func slowReceiverDoesNotSlowLogin() async throws {
        try await Self.withWebhook(delay: .seconds(20), configure: { $0.webhookTimeout = .seconds(30) }) { emulator, receiver in
            let url = Fixture.authorizeURL(emulator, extra: [("bot_prompt", "aggressive")])
            let started = ContinuousClock.now
            let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.sally.userID, addFriend: true))
            let elapsed = ContinuousClock.now - started
            // Had the login waited for the receiver, its delivery would be settled by now.
            #expect(try await emulator.webhookDeliveries().first?.state == "pending")
            #expect(Fixture.parameters(of: callback)["friendship_status_changed"] == "true")
            #expect(elapsed < .seconds(10), "the login waited for the webhook: \(elapsed)")
            _ = try await receiver.waitFor(1)
        }
    }

    @Test("a user's events arrive in the order they happened, one at a time; another user's are not held up by them")
    func orderPerConversation() async throws {
        try await Self.withWebhook(delay: .seconds(3), configure: { $0.webhookTimeout = .seconds(5) }) { emulator, receiver in
            try await emulator.sendText("first", from: Fixture.brown.userID, to: Self.bot.channelID)
            try await emulator.follow(userID: Fixture.sally.userID, channelID: Self.bot.channelID)
            try await emulator.sendText("second", from: Fixture.brown.userID, to: Self.bot.channelID)
            // The receiver holds each request for 3 s: Sally's follow arrives while Brown's first is held, and his
            // second only after his first was answered, so not within the next second.
            let early = try await receiver.waitFor(2).prefix(2).map { $0.events.first?["type"] as? String }
            #expect(Set(early) == ["message", "follow"])
            try await Task.sleep(for: .seconds(1))
            #expect(receiver.requests.count == 2)
            let texts = try await receiver.waitFor(3).compactMap {
                ($0.events.first?["message"] as? [String: Any])?["text"] as? String
            }
            #expect(texts == ["first", "second"])
        }
    }

    @Test("20 quick messages from one user arrive in the order sent, never two at once, at a receiver taking 50 ms")
    func manyMessagesInOrder() async throws {
        try await Self.withWebhook(delay: .milliseconds(50)) { emulator, receiver in
            for index in 1...20 {
                try await emulator.sendText("\(index)", from: Fixture.brown.userID, to: Self.bot.channelID)
            }
            let texts = try await receiver.waitFor(20).compactMap {
                ($0.events.first?["message"] as? [String: Any])?["text"] as? String
            }
            #expect(texts == (1...20).map(String.init))
            #expect(receiver.mostAtOnce == 1)
        }
    }
}
