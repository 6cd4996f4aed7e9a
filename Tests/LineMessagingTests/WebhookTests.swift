import Foundation
import LineCore
import LineMessaging
import Testing

/// A channel secret in LINE's format (32 hex digits).
private let secret = "8c570fbab09b4e7dbbb4e1c2f1b9e6a1"

private func signature(of body: [UInt8], secret: String = secret) -> String {
    WebhookSamples.signature(of: body, secret: secret)
}

private func parse(_ body: String) throws -> WebhookPayload {
    let bytes = Array(body.utf8)
    return try WebhookParser(channelSecret: secret).parse(body: bytes, signature: signature(of: bytes))
}

/// The only event of a signed sample body.
private func onlyEvent(_ body: String) throws -> WebhookEvent {
    let payload = try parse(body)
    #expect(payload.destination == WebhookSamples.destination)
    try #require(payload.events.count == 1)
    return payload.events[0]
}

private func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

@Suite("Webhook signature")
struct WebhookSignatureTests {
    let body = Array(WebhookSamples.textMessage.utf8)
    let parser = WebhookParser(channelSecret: secret)

    private func refusal(_ body: [UInt8], _ signature: String?) -> WebhookError? {
        do {
            _ = try parser.parse(body: body, signature: signature)
            return nil
        } catch {
            return error
        }
    }

    @Test("a body signed with the channel secret is accepted, as [UInt8] and as Data")
    func valid() throws {
        let signature = signature(of: body)
        #expect(try parser.parse(body: body, signature: signature).events.count == 1)
        #expect(try parser.parse(body: Data(body), signature: signature).events.count == 1)
        try WebhookVerifier(channelSecret: secret).verify(body: body, signature: signature)
    }

    @Test("a wrong signature is refused")
    func wrongSignature() {
        let wrong = signature(of: Array("another body".utf8))
        #expect(refusal(body, wrong)?.code == .signatureMismatch)
        // Valid base64 of the wrong length (not 32 bytes) is a mismatch too, not a crash.
        #expect(refusal(body, "AAAA")?.code == .signatureMismatch)
    }

    @Test("one byte of the body changed after signing is refused", arguments: [0, 100, 200])
    func modifiedBody(offset: Int) {
        let signature = signature(of: body)
        var tampered = body
        tampered[offset] ^= 0x01
        #expect(refusal(tampered, signature)?.code == .signatureMismatch)
    }

    @Test("a body with a byte appended after signing is refused")
    func appendedByte() {
        #expect(refusal(body + [0x20], signature(of: body))?.code == .signatureMismatch)
    }

    @Test("a missing or empty x-line-signature is refused", arguments: [nil, ""] as [String?])
    func missingHeader(header: String?) {
        #expect(refusal(body, header)?.code == .missingSignature)
    }

    @Test("an x-line-signature that is not base64 is refused", arguments: ["not base64!", "%%%%", "abc"])
    func malformedHeader(header: String) {
        #expect(refusal(body, header)?.code == .malformedSignature)
    }

    @Test("a signature made with another channel's secret is refused")
    func anotherSecret() {
        let other = signature(of: body, secret: "0123456789abcdef0123456789abcdef")
        #expect(refusal(body, other)?.code == .signatureMismatch)
    }

    @Test("a correctly signed body that is not JSON gives invalidBody, saying so")
    func notJSON() {
        let garbage = Array("<html>not json</html>".utf8)
        let error = refusal(garbage, signature(of: garbage))
        #expect(error?.code == .invalidBody)
        #expect(error?.message == "the body is not JSON")
    }

    @Test("a signed event missing a required field gives invalidBody naming the field")
    func missingField() {
        let body = Array(WebhookSamples.verification.replacingOccurrences(of: #""destination":"xxxxxxxxxx","#, with: "").utf8)
        let error = refusal(body, signature(of: body))
        #expect(error?.code == .invalidBody)
        #expect(error?.message == "missing destination")

        let event = Array(WebhookSamples.unfollow.replacingOccurrences(of: #""webhookEventId""#, with: #""other""#).utf8)
        #expect(refusal(event, signature(of: event))?.message == "missing events.0.webhookEventId")
        let array = Array("[]".utf8)
        #expect(refusal(array, signature(of: array))?.message == "unexpected value at the top level")
    }

    @Test("a body is never decoded before its signature is verified")
    func verifiesBeforeDecoding() {
        // Not JSON and unsigned: the signature error wins, so nothing about the body leaks before verification.
        #expect(refusal(Array("not json".utf8), "AAAA")?.code == .signatureMismatch)
    }

    @Test("errors never show the channel secret")
    func errorsHideSecret() {
        for error in [refusal(body, nil), refusal(body, "%"), refusal(body, "AAAA")] {
            #expect(error.map { !"\($0)".contains(secret) } == true)
        }
    }
}

@Suite("Webhook events")
struct WebhookEventTests {
    @Test("LINE's check that the URL answers: no events")
    func verification() throws {
        #expect(try parse(WebhookSamples.verification) == WebhookPayload(destination: "xxxxxxxxxx", events: []))
    }

    @Test("a text message with every common field")
    func textMessage() throws {
        let event = try onlyEvent(WebhookSamples.textMessage)
        #expect(event.type == "message")
        #expect(event.mode == .active)
        #expect(event.timestamp == date(milliseconds: 1_462_629_479_859))
        #expect(event.source == .group(groupID: "Ca56f94637c...", userID: "U4af4980629..."))
        #expect(event.source?.userID == "U4af4980629...")
        #expect(event.webhookEventID == "01FZ74A0TDDPYRVKNK77XKC3ZR")
        #expect(event.isRedelivery == false)
        #expect(event.replyToken == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA")
        guard case .message(.text(let message)) = event.content else {
            Issue.record("not a text message: \(event.content)")
            return
        }
        #expect(message.id == "444573844083572737")
        #expect(message.text == "Good Morning!! (love)")
        #expect(message.quoteToken == "q3Plxr4AgKd...")
        #expect(message.quotedMessageID == nil)
    }

    @Test("a sticker message")
    func stickerMessage() throws {
        let event = try onlyEvent(WebhookSamples.stickerMessage)
        #expect(event.source == .user(userID: "U80696558e1aa831..."))
        #expect(event.replyToken == "757913772c4646b784d4b7ce46d12671")
        guard case .message(.sticker(let sticker)) = event.content else {
            Issue.record("not a sticker: \(event.content)")
            return
        }
        #expect(sticker.id == "1501597916")
        #expect(sticker.packageID == "11537")
        #expect(sticker.stickerID == "52002738")
        #expect(sticker.stickerResourceType == "ANIMATION")
        #expect(sticker.keywords?.count == 14)
        #expect(sticker.keywords?.first == "cony")
        #expect(sticker.quoteToken == "q3Plxr4AgKd...")
    }

    @Test("an image message (a type without its own case) is kept with its JSON")
    func otherMessage() throws {
        let event = try onlyEvent(WebhookSamples.imageMessage)
        guard case .message(.other(let type, let id, let raw)) = event.content else {
            Issue.record("not kept as other: \(event.content)")
            return
        }
        #expect(type == "image")
        #expect(id == "354718705033693859")
        #expect(raw.objectValue?["imageSet"]?.objectValue?["total"] == .integer(2))
        #expect(raw.objectValue?["contentProvider"]?.objectValue?["type"] == .string("line"))
    }

    @Test("follow, with isUnblocked")
    func follow() throws {
        let event = try onlyEvent(WebhookSamples.follow)
        #expect(event.content == .follow(isUnblocked: false))
        #expect(event.replyToken == "85cbe770fa8b4f45bbe077b1d4be4a36")
        #expect(event.source?.userID == "U3d3edab4f36c6292e6d8a8131f141b8b")
        #expect(event.timestamp == date(milliseconds: 1_705_891_467_176))
        let unblocked = try onlyEvent(
            WebhookSamples.follow.replacingOccurrences(of: #""isUnblocked": false"#, with: #""isUnblocked": true"#)
        )
        #expect(unblocked.content == .follow(isUnblocked: true))
    }

    @Test("unfollow, join and leave")
    func membershipOfChats() throws {
        let unfollow = try onlyEvent(WebhookSamples.unfollow)
        #expect(unfollow.content == .unfollow)
        #expect(unfollow.replyToken == nil)
        let join = try onlyEvent(WebhookSamples.join)
        #expect(join.content == .join)
        #expect(join.source == .group(groupID: "C4af4980629...", userID: nil))
        #expect(join.replyToken == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA")
        let leave = try onlyEvent(WebhookSamples.leave)
        #expect(leave.content == .leave)
        #expect(leave.replyToken == nil)
    }

    @Test("memberJoined and memberLeft list the members' user IDs")
    func members() throws {
        let joined = try onlyEvent(WebhookSamples.memberJoined)
        #expect(joined.content == .memberJoined(userIDs: ["U4af4980629...", "U91eeaf62d9..."]))
        #expect(joined.replyToken == "0f3779fba3b349968c5d07db31eabf65")
        let left = try onlyEvent(WebhookSamples.memberLeft)
        #expect(left.content == .memberLeft(userIDs: ["U4af4980629...", "U91eeaf62d9..."]))
    }

    @Test("unsend")
    func unsend() throws {
        #expect(try onlyEvent(WebhookSamples.unsend).content == .unsend(messageID: "325708"))
    }

    @Test("postback with the date-time picker's params")
    func postback() throws {
        let event = try onlyEvent(WebhookSamples.postback)
        #expect(event.content == .postback(.init(data: "storeId=12345", params: ["datetime": "2017-12-25T01:00"])))
        #expect(event.source == .user(userID: "U91eeaf62d..."))
    }

    @Test("videoPlayComplete")
    func videoPlayComplete() throws {
        #expect(try onlyEvent(WebhookSamples.videoPlayComplete).content == .videoPlayComplete(trackingID: "track-id"))
    }

    @Test("beacon")
    func beacon() throws {
        let event = try onlyEvent(WebhookSamples.beacon)
        #expect(event.content == .beacon(.init(hardwareID: "d41d8cd98f", type: "enter", deviceMessage: nil)))
    }

    @Test("accountLink")
    func accountLink() throws {
        let event = try onlyEvent(WebhookSamples.accountLink)
        #expect(event.content == .accountLink(.init(result: "ok", nonce: "xxxxxxxxxxxxxxx")))
    }

    @Test("an event type the SDK does not decode is kept as unknown, with its common fields and JSON")
    func unknownEvent() throws {
        let event = try onlyEvent(WebhookSamples.membership)
        #expect(event.isRedelivery)
        guard case .unknown(let type, let raw) = event.content else {
            Issue.record("not unknown: \(event.content)")
            return
        }
        #expect(type == "membership")
        #expect(raw.objectValue?["membership"]?.objectValue?["membershipId"] == .integer(3189))

        let invented = try onlyEvent(
            WebhookSamples.unfollow.replacingOccurrences(of: #""type": "unfollow""#, with: #""type": "somethingNew""#)
        )
        #expect(invented.content.isUnknown(type: "somethingNew"))
    }

    @Test("standby mode and a redelivered event")
    func standbyRedelivery() throws {
        let body = WebhookSamples.unfollow
            .replacingOccurrences(of: #""mode": "active""#, with: #""mode": "standby""#)
            .replacingOccurrences(of: #""isRedelivery": false"#, with: #""isRedelivery": true"#)
        let event = try onlyEvent(body)
        #expect(event.mode == .standby)
        #expect(event.isRedelivery)
    }

    @Test("several events in one body keep their order")
    func severalEvents() throws {
        let events = try [WebhookSamples.follow, WebhookSamples.textMessage, WebhookSamples.postback].map {
            try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)).objectValue?["events"]?.arrayValue?.first
        }
        let combined = JSONValue.object(["destination": .string("xxxxxxxxxx"), "events": .array(events.compactMap(\.self))])
        let payload = try parse(String(decoding: try JSONEncoder().encode(combined), as: UTF8.self))
        #expect(payload.events.map(\.type) == ["follow", "message", "postback"])
    }
}

extension WebhookEvent.Content {
    fileprivate func isUnknown(type expected: String) -> Bool {
        if case .unknown(let type, _) = self { return type == expected }
        return false
    }
}
