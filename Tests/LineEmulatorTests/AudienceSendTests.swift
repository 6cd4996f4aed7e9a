import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("POST /v2/bot/message/multicast, /broadcast, /narrowcast")
struct AudienceSendTests {
    nonisolated(unsafe) static let hello: [[String: Any]] = [["type": "text", "text": "Hello"]]

    static func send(
        _ emulator: TestEmulator,
        _ path: String,
        token: String,
        body: Any,
        retryKey: String? = nil
    ) async throws -> RawResponse {
        var headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")]
        if let retryKey { headers.append(("X-Line-Retry-Key", retryKey)) }
        return try await RawHTTP(emulator).send(.POST, path, headers: headers, body: try JSONSerialization.data(withJSONObject: body))
    }

    /// The texts each user's console chat holds, newest first.
    static func texts(_ emulator: TestEmulator, to userID: String) async throws -> [String] {
        let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(userID)")
        let messages = (listed.json["messages"] as? [[String: Any]]) ?? []
        return messages.compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
    }

    static func delivered(_ emulator: TestEmulator, to userID: String) async throws -> [Bool] {
        let listed = try await RawHTTP(emulator).get("/_emulator/v1/messages?to=\(userID)")
        return ((listed.json["messages"] as? [[String: Any]]) ?? []).compactMap { $0["delivered"] as? Bool }
    }

    @Test("multicast answers 200 {} and stores a copy for each user: delivered to friends, not to others")
    func multicast() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let unknown = "U" + String(repeating: "a", count: 32)
            let body: [String: Any] = [
                "to": [Fixture.brown.userID, Fixture.sally.userID, unknown, Fixture.brown.userID],
                "messages": [["type": "text", "text": "one"], ["type": "text", "text": "two"]],
            ]
            let response = try await Self.send(emulator, "/v2/bot/message/multicast", token: token, body: body)
            #expect(response.status == 200)
            #expect(response.text == "{}")
            #expect(response.headers.first(name: "content-type") == "application/json")
            #expect(try await Self.texts(emulator, to: Fixture.brown.userID) == ["two", "one"], "a repeated user gets one copy")
            #expect(try await Self.delivered(emulator, to: Fixture.brown.userID) == [true, true])
            #expect(try await Self.delivered(emulator, to: Fixture.sally.userID) == [false, false], "not a friend")
            #expect(try await Self.delivered(emulator, to: unknown) == [false, false])
            #expect(try await Self.texts(emulator, to: Fixture.cony.userID).isEmpty)
        }
    }

    @Test("broadcast answers 200 {} and reaches every friend of the channel, and only them")
    func broadcast() async throws {
        try await TestEmulator.run { emulator in
            try await emulator.follow(userID: Fixture.cony.userID, channelID: Seed.messagingChannel.channelID)
            let token = try await PushTests.token(emulator)
            let response = try await Self.send(emulator, "/v2/bot/message/broadcast", token: token, body: ["messages": Self.hello])
            #expect(response.status == 200)
            #expect(response.text == "{}")
            #expect(try await Self.texts(emulator, to: Fixture.brown.userID) == ["Hello"])
            #expect(try await Self.texts(emulator, to: Fixture.cony.userID) == ["Hello"])
            #expect(try await Self.texts(emulator, to: Fixture.sally.userID).isEmpty)
        }
    }

    @Test("narrowcast answers 202 {}; its progress has succeeded with every friend as a target")
    func narrowcast() async throws {
        try await TestEmulator.run { emulator in
            try await emulator.follow(userID: Fixture.cony.userID, channelID: Seed.messagingChannel.channelID)
            let token = try await PushTests.token(emulator)
            let response = try await Self.send(emulator, "/v2/bot/message/narrowcast", token: token, body: ["messages": Self.hello])
            #expect(response.status == 202)
            #expect(response.text == "{}")
            let requestID = try #require(response.requestID)
            #expect(try await Self.texts(emulator, to: Fixture.brown.userID) == ["Hello"])
            #expect(try await Self.texts(emulator, to: Fixture.cony.userID) == ["Hello"])

            let progress = try await RawHTTP(emulator).get("/v2/bot/message/progress/narrowcast?requestId=\(requestID)", bearer: token)
            #expect(progress.status == 200)
            let json = progress.json
            #expect(json["phase"] as? String == "succeeded")
            #expect(json["successCount"] as? Int == 2)
            #expect(json["failureCount"] as? Int == 0)
            #expect(json["targetCount"] as? Int == 2)
            let accepted = try #require(json["acceptedTime"] as? String)
            #expect(accepted.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(accepted)")
            #expect(json["completedTime"] as? String == accepted)
        }
    }

    @Test("narrowcast with limit.max reaches that many friends; recipient and filter are a clear 400")
    func narrowcastLimitAndTargeting() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let limited = try await Self.send(
                emulator,
                "/v2/bot/message/narrowcast",
                token: token,
                body: ["messages": Self.hello, "limit": ["max": 1, "upToRemainingQuota": false]]
            )
            #expect(limited.status == 202)
            let brown = try await Self.texts(emulator, to: Fixture.brown.userID).count
            let cony = try await Self.texts(emulator, to: Fixture.cony.userID).count
            #expect(brown + cony == 1)

            let audience: [String: Any] = [
                "messages": Self.hello, "recipient": ["type": "audience", "audienceGroupId": 5_614_991_017_776],
            ]
            let refused = try await Self.send(emulator, "/v2/bot/message/narrowcast", token: token, body: audience)
            #expect(refused.status == 400)
            #expect(
                refused.text
                    == #"{"details":[{"message":"Not supported by the LINE Platform emulator: it has no audiences or demographic data, so narrowcast sends to every friend (optionally limit.max of them)","property":"recipient"}],"message":"The request body has 1 error(s)"}"#
            )
            let zero = try await Self.send(
                emulator,
                "/v2/bot/message/narrowcast",
                token: token,
                body: ["messages": Self.hello, "limit": ["max": 0]]
            )
            #expect(
                zero.text
                    == #"{"details":[{"message":"must be greater than or equal to 1","property":"limit.max"}],"message":"The request body has 1 error(s)"}"#
            )
        }
    }

    @Test("narrowcast progress: 400 without requestId, 404 for a request the channel did not narrowcast")
    func progressErrors() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let http = RawHTTP(emulator)
            let missing = try await http.get("/v2/bot/message/progress/narrowcast", bearer: token)
            #expect(missing.status == 400)
            #expect(missing.text == #"{"message":"The request parameter, 'requestId', is required"}"#)
            let unknown = try await http.get("/v2/bot/message/progress/narrowcast?requestId=nope", bearer: token)
            #expect(unknown.status == 404)
            #expect(unknown.text == #"{"message":"Not found"}"#)
            let anonymous = try await http.get("/v2/bot/message/progress/narrowcast?requestId=nope")
            #expect(anonymous.status == 401)
        }
    }

    @Test("multicast's to: 1 to 500 user IDs; group IDs and malformed IDs are invalid properties")
    func multicastRecipients() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let many = (0..<501).map { String(format: "U%032x", $0) }
            let tooMany = try await Self.send(
                emulator,
                "/v2/bot/message/multicast",
                token: token,
                body: ["to": many, "messages": Self.hello]
            )
            #expect(
                tooMany.text
                    == #"{"details":[{"message":"Size must be between 1 and 500","property":"to"}],"message":"The request body has 1 error(s)"}"#
            )
            let most = try await Self.send(
                emulator,
                "/v2/bot/message/multicast",
                token: token,
                body: ["to": Array(many.prefix(500)), "messages": Self.hello]
            )
            #expect(most.status == 200)

            let both = try await Self.send(
                emulator,
                "/v2/bot/message/multicast",
                token: token,
                body: ["to": [String](), "messages": [Any]()]
            )
            #expect(
                both.text
                    == #"{"details":[{"message":"Size must be between 1 and 500","property":"to"},{"message":"Size must be between 1 and 5","property":"messages"}],"message":"The request body has 2 error(s)"}"#
            )
            let missing = try await Self.send(emulator, "/v2/bot/message/multicast", token: token, body: ["messages": Self.hello])
            #expect(
                missing.text
                    == #"{"details":[{"message":"must be specified","property":"to"}],"message":"The request body has 1 error(s)"}"#
            )

            let group = "C" + String(repeating: "1", count: 32)
            let text = #"{"to": ["\#(Fixture.brown.userID)", "\#(group)"], "messages": [{"type": "text", "text": "x"}]}"#
            let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")]
            let groupResponse = try await RawHTTP(emulator).send(
                .POST,
                "/v2/bot/message/multicast",
                headers: headers,
                body: Data(text.utf8)
            )
            #expect(groupResponse.status == 400)
            #expect(groupResponse.text == #"{"message":"The property, 'to[1]', in the request body is invalid (line: 1, column: 46)"}"#)
        }
    }

    @Test("broadcast and narrowcast check messages as push does")
    func messageChecks() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            for path in ["/v2/bot/message/broadcast", "/v2/bot/message/narrowcast"] {
                let six = Array(repeating: ["type": "text", "text": "x"], count: 6)
                let response = try await Self.send(emulator, path, token: token, body: ["messages": six])
                #expect(response.status == 400)
                #expect(
                    response.text
                        == #"{"details":[{"message":"Size must be between 1 and 5","property":"messages"}],"message":"The request body has 1 error(s)"}"#
                )
                let none = try await Self.send(emulator, path, token: token, body: [String: Any]())
                #expect(
                    none.text
                        == #"{"details":[{"message":"must be specified","property":"messages"}],"message":"The request body has 1 error(s)"}"#
                )
            }
            #expect(try await Self.texts(emulator, to: Fixture.brown.userID).isEmpty, "nothing sent on any error")
        }
    }

    @Test("X-Line-Retry-Key: a retry gets 409 with x-line-accepted-request-id and no sentMessages; nothing is sent twice")
    func retryKey() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let multicast: [String: Any] = ["to": [Fixture.brown.userID], "messages": Self.hello]
            for (path, body, status) in [
                ("/v2/bot/message/multicast", multicast, 200), ("/v2/bot/message/broadcast", ["messages": Self.hello], 200),
                ("/v2/bot/message/narrowcast", ["messages": Self.hello], 202),
            ] as [(String, [String: Any], Int)] {
                let key = UUID().uuidString
                let first = try await Self.send(emulator, path, token: token, body: body, retryKey: key)
                #expect(first.status == status)
                let retry = try await Self.send(emulator, path, token: token, body: body, retryKey: key)
                #expect(retry.status == 409)
                #expect(retry.text == #"{"message":"The retry key is already accepted"}"#)
                #expect(retry.headers.first(name: "x-line-accepted-request-id") == first.requestID)
            }
            #expect(try await Self.texts(emulator, to: Fixture.brown.userID).count == 3, "one per endpoint")
            let malformed = try await Self.send(
                emulator,
                "/v2/bot/message/broadcast",
                token: token,
                body: ["messages": Self.hello],
                retryKey: "x"
            )
            #expect(malformed.status == 400)
            #expect(malformed.text == #"{"message":"The value of the X-Line-Retry-Key header must be a UUID"}"#)
        }
    }

    @Test("a broadcast that reaches nobody still keeps its retry key for 24 hours")
    func retryKeyWithoutFriends() async throws {
        try await TestEmulator.run(configure: { $0.seed.friendships = [] }) { emulator in
            let token = try await PushTests.token(emulator)
            let key = UUID().uuidString
            let first = try await Self.send(
                emulator,
                "/v2/bot/message/broadcast",
                token: token,
                body: ["messages": Self.hello],
                retryKey: key
            )
            #expect(first.status == 200)
            let retry = try await Self.send(
                emulator,
                "/v2/bot/message/broadcast",
                token: token,
                body: ["messages": Self.hello],
                retryKey: key
            )
            #expect(retry.status == 409)
        }
    }

    @Test("30 concurrent multicasts with one retry key store the messages once (10 trials, each with a new key)")
    func concurrentRetries() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            for trial in 1...10 {
                let key = UUID().uuidString
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<30 {
                        group.addTask {
                            let body: [String: Any] = ["to": [Fixture.brown.userID, Fixture.cony.userID], "messages": Self.hello]
                            return try await Self.send(emulator, "/v2/bot/message/multicast", token: token, body: body, retryKey: key)
                                .status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 200 }.count == 1, "trial \(trial)")
                #expect(statuses.filter { $0 == 409 }.count == 29, "trial \(trial)")
                #expect(try await Self.texts(emulator, to: Fixture.brown.userID).count == trial, "one copy per trial")
                #expect(try await Self.texts(emulator, to: Fixture.cony.userID).count == trial)
            }
        }
    }

    @Test("rate limits: multicast 200/s; broadcast and narrowcast 60 an hour, a full hour's worth at once")
    func rateLimits() async throws {
        #expect(RateLimiter.lineDefaults[.multicast] == 200)
        #expect(RateLimiter.lineDefaults[.broadcast] == 60.0 / 3600)
        #expect(RateLimiter.lineDefaults[.narrowcast] == 60.0 / 3600)
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            for _ in 0..<60 {
                let response = try await Self.send(emulator, "/v2/bot/message/broadcast", token: token, body: ["messages": Self.hello])
                #expect(response.status == 200)
            }
            let limited = try await Self.send(emulator, "/v2/bot/message/broadcast", token: token, body: ["messages": Self.hello])
            #expect(limited.status == 429)
            #expect(limited.text == #"{"message":"The API rate limit has been exceeded. Try again later."}"#)
            let narrowcast = try await Self.send(emulator, "/v2/bot/message/narrowcast", token: token, body: ["messages": Self.hello])
            #expect(narrowcast.status == 202, "each endpoint has its own bucket")
        }
    }

    @Test("authentication comes first: no token is 401")
    func access() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let body = try JSONSerialization.data(withJSONObject: ["messages": Self.hello])
            let anonymous = try await http.send(
                .POST,
                "/v2/bot/message/broadcast",
                headers: [("Content-Type", "application/json")],
                body: body
            )
            #expect(anonymous.status == 401)
            #expect(
                anonymous.text
                    == #"{"message":"Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"}"#
            )
        }
    }
}
