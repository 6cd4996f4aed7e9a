import Foundation
import HTTPTypes
import LineCore
import LineKitTesting
import LineMessaging
import Testing

/// MessagingClient's push against LineKitTesting's MockTransport: no emulator, no sockets.
@Suite("Push without sockets (MockTransport)")
struct MockTransportPushTests {
    static func client(_ transport: MockTransport) -> MessagingClient {
        let api = LineAPIClient(configuration: .init(transport: transport, retryPolicy: .none))
        transport.respond(to: .post, path: "/v2/oauth/accessToken", with: .channelAccessToken("token-1"))
        let tokens = ChannelTokenProvider(
            channelID: "1234567890",
            credential: .secret("0123456789abcdef0123456789abcdef"),
            client: ChannelAccessTokenClient(api: api)
        )
        return MessagingClient(api: api, tokens: tokens)
    }

    @Test("a push carries the bearer token, one retry key and the messages; LINE's answer is decoded")
    func push() async throws {
        let transport = MockTransport()
        transport.respond(to: .post, path: "/v2/bot/message/push", with: .sentMessages(["m1"]))
        let result = try await Self.client(transport).push(to: "U1", messages: [try .text("hello")])
        #expect(result.sentMessages.map(\.id) == ["m1"] && !result.wasAlreadyAccepted)
        let push = try #require(transport.requests(to: "/v2/bot/message/push").first)
        #expect(push.headers[.authorization] == "Bearer token-1")
        #expect(push.headers[.lineRetryKey] == result.retryKey.uuidString.lowercased())
        let body = try #require(try JSONSerialization.jsonObject(with: push.body ?? Data()) as? [String: Any])
        #expect(body["to"] as? String == "U1")
        #expect(transport.requests(to: "/v2/oauth/accessToken").count == 1)
    }

    @Test("LINE's 409 for an accepted retry key is a success with the original messages")
    func alreadyAccepted() async throws {
        let transport = MockTransport()
        var conflict = LineHTTPResponse.json(#"{"message":"The retry key is already accepted","sentMessages":[{"id":"m0"}]}"#, status: 409)
        conflict.headers[.lineAcceptedRequestID] = "original"
        transport.enqueue(conflict)
        let result = try await Self.client(transport).push(to: "U1", messages: [try .text("hello")])
        #expect(result.wasAlreadyAccepted && result.sentMessages.map(\.id) == ["m0"] && result.acceptedRequestID == "original")
    }

    @Test("LINE's 400 is a LineAPIError with LINE's message, details and request ID; 6 messages never leave")
    func refusals() async throws {
        let transport = MockTransport()
        transport.enqueue(
            .messagingError(status: 400, message: "The request body has 1 error(s)", details: [("messages[0].text", "May not be empty")])
        )
        let client = Self.client(transport)
        do {
            _ = try await client.push(to: "U1", messages: [try .text("x")])
            Issue.record("a 400 was taken for a success")
        } catch let error as LineAPIError {
            #expect(error.code == .http && error.status == 400 && error.details.first?.property == "messages[0].text")
            #expect(error.requestID?.isEmpty == false)
        }
        let six = Array(repeating: try Message.text("x"), count: 6)
        await #expect(throws: MessagingError.messageCount(6)) { try await client.push(to: "U1", messages: six) }
        #expect(transport.requests(to: "/v2/bot/message/push").count == 1)
    }
}
