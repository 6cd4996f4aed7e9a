import Foundation
import HTTPTypes
import LineCore
import LineMessaging
import Testing

/// What the new Messaging API calls put on the wire, and how they read LINE's answers, per LINE's OpenAPI document
/// (checked on a transport double, with no server).
@Suite("MessagingClient requests on the wire")
struct MessagingRequestEncodingTests {
    static let retryKey = UUID(uuidString: "123E4567-E89B-12D3-A456-426614174000")!

    @Test("reply: POST /v2/bot/message/reply with replyToken, messages and notificationDisabled; no retry key")
    func reply() async throws {
        let transport = RecordingTransport()
        transport.answer(#"{"sentMessages":[{"id":"461230966842064897","quoteToken":"IStG5h1Tz7b"}]}"#, headers: [.lineRequestID: "r1"])
        let result = try await transport.messaging.reply(to: "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA", messages: [try .text("Hi")])
        #expect(result.sentMessages.map(\.id) == ["461230966842064897"])
        #expect(result.sentMessages.map(\.quoteToken) == ["IStG5h1Tz7b"])
        #expect(result.requestID == "r1")
        let request = try #require(transport.requests.first)
        #expect(request.method == .post)
        #expect(request.url.absoluteString == "https://api.line.me/v2/bot/message/reply")
        #expect(request.headers[.authorization] == "Bearer recorded-token")
        #expect(request.headers[.contentType] == "application/json")
        #expect(request.headers[.lineRetryKey] == nil, "LINE answers 400 to a retry key on reply")
        let body = request.jsonObject
        #expect(body["replyToken"] as? String == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA")
        #expect((body["messages"] as? [[String: Any]])?.first?["text"] as? String == "Hi")
        #expect(body["notificationDisabled"] as? Bool == false)
    }

    @Test("a reply that fails with a 500 is not sent again: a reply token has no retry key")
    func replyIsNotRetried() async throws {
        let transport = RecordingTransport()
        transport.answer(status: 500, #"{"message":"Internal error"}"#)
        await #expect(throws: LineAPIError.self) { try await transport.messaging.reply(to: "t", messages: [try .text("Hi")]) }
        #expect(transport.requests.count == 1)
    }

    @Test("multicast, broadcast and narrowcast: their paths, bodies and the lowercase retry key")
    func audienceSends() async throws {
        let transport = RecordingTransport()
        let messaging = transport.messaging
        transport.answer("{}", headers: [.lineRequestID: "m1"])
        let multicast = try await messaging.multicast(to: ["U1", "U2"], messages: [try .text("a")], retryKey: Self.retryKey)
        #expect(multicast.retryKey == Self.retryKey && multicast.acceptedRequestID == "m1" && !multicast.wasAlreadyAccepted)
        transport.answer(
            status: 409,
            #"{"message":"The retry key is already accepted"}"#,
            headers: [HTTPField.Name("x-line-accepted-request-id")!: "b0"]
        )
        let broadcast = try await messaging.broadcast(messages: [try .text("b")], notificationDisabled: true, retryKey: Self.retryKey)
        #expect(broadcast.retryKey == Self.retryKey && broadcast.acceptedRequestID == "b0" && broadcast.wasAlreadyAccepted)
        transport.answer(status: 202, "{}", headers: [.lineRequestID: "n1"])
        let filter: JSONValue = .object(["demographic": .object(["type": .string("gender"), "oneOf": .array([.string("female")])])])
        let narrowcast = try await messaging.narrowcast(
            messages: [try .text("c")],
            filter: filter,
            limit: NarrowcastLimit(max: 100, upToRemainingQuota: true),
            retryKey: Self.retryKey
        )
        #expect(narrowcast.acceptedRequestID == "n1")

        let requests = transport.requests
        #expect(requests.map(\.url.path) == ["/v2/bot/message/multicast", "/v2/bot/message/broadcast", "/v2/bot/message/narrowcast"])
        #expect(requests.allSatisfy { $0.method == .post && $0.headers[.lineRetryKey] == "123e4567-e89b-12d3-a456-426614174000" })
        #expect(requests[0].jsonObject["to"] as? [String] == ["U1", "U2"])
        #expect(requests[1].jsonObject["notificationDisabled"] as? Bool == true)
        #expect(requests[1].jsonObject["to"] == nil)
        let narrowBody = requests[2].jsonObject
        let limit = try JSONSerialization.data(withJSONObject: try #require(narrowBody["limit"]), options: .sortedKeys)
        #expect(String(decoding: limit, as: UTF8.self) == #"{"forbidPartialDelivery":false,"max":100,"upToRemainingQuota":true}"#)
        #expect((narrowBody["filter"] as? [String: Any])?["demographic"] != nil)
        #expect(narrowBody["recipient"] == nil, "absent, not null")
    }

    @Test("narrowcast progress: GET with requestId in the query; LINE's times decode with or without milliseconds")
    func progress() async throws {
        let transport = RecordingTransport()
        transport.answer(#"{"phase":"waiting","acceptedTime":"2020-12-03T10:15:30.121Z"}"#)
        let waiting = try await transport.messaging.narrowcastProgress(requestID: "a b&c")
        #expect(waiting.phase == "waiting")
        #expect(abs(waiting.acceptedTime.timeIntervalSince1970 - 1_606_990_530.121) < 0.0005)
        #expect(waiting.completedTime == nil && waiting.targetCount == nil)
        #expect(transport.requests.first?.method == .get)
        #expect(
            transport.requests.first?.url.absoluteString == "https://api.line.me/v2/bot/message/progress/narrowcast?requestId=a%20b%26c"
        )

        transport.answer(
            #"{"phase":"failed","failedDescription":"no","errorCode":2,"targetCount":0,"acceptedTime":"2020-12-03T10:15:30Z","completedTime":"2020-12-03T10:15:31.000Z"}"#
        )
        let failed = try await transport.messaging.narrowcastProgress(requestID: "x")
        #expect(failed.errorCode == 2 && failed.failedDescription == "no")
        #expect(failed.completedTime == Date(timeIntervalSince1970: 1_606_990_531))
    }

    @Test("webhook endpoint: PUT and GET /v2/bot/channel/webhook/endpoint, POST /v2/bot/channel/webhook/test, as OpenAPI shapes them")
    func webhookEndpoint() async throws {
        let transport = RecordingTransport()
        let messaging = transport.messaging
        try await messaging.setWebhookEndpoint(URL(string: "https://example.com/webhook")!)
        transport.answer(#"{"endpoint":"https://example.com/test","active":true}"#)
        let endpoint = try await messaging.webhookEndpoint()
        #expect(endpoint.endpoint == "https://example.com/test" && endpoint.active)
        let sample = #"{"success":true,"timestamp":"2020-09-30T05:38:20.031Z","statusCode":200,"reason":"OK","detail":"200"}"#
        transport.answer(sample)
        let tested = try await messaging.testWebhookEndpoint()
        #expect(tested.success == true && tested.statusCode == 200 && tested.reason == "OK" && tested.detail == "200")
        #expect(abs(tested.timestamp.timeIntervalSince1970 - 1_601_444_300.031) < 0.0005)
        transport.answer(sample)
        _ = try await messaging.testWebhookEndpoint(URL(string: "https://example.com/other")!)

        let requests = transport.requests
        #expect(requests.map(\.method) == [.put, .get, .post, .post])
        #expect(
            requests.map(\.url.path) == [
                "/v2/bot/channel/webhook/endpoint", "/v2/bot/channel/webhook/endpoint", "/v2/bot/channel/webhook/test",
                "/v2/bot/channel/webhook/test",
            ]
        )
        #expect(requests[0].jsonObject as? [String: String] == ["endpoint": "https://example.com/webhook"])
        #expect(requests[1].body == nil)
        #expect(requests[2].jsonObject.isEmpty, "no endpoint: LINE tests the channel's own URL")
        #expect(requests[3].jsonObject as? [String: String] == ["endpoint": "https://example.com/other"])
        #expect(requests.allSatisfy { $0.headers[.lineRetryKey] == nil })
    }
}
