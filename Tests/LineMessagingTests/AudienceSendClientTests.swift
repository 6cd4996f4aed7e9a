import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import NIOHTTP1
import Testing

@Suite("MessagingClient multicast, broadcast and narrowcast against the emulator")
struct AudienceSendClientTests {
    static let brown = Seed.defaultUsers[0].userID
    static let cony = Seed.defaultUsers[1].userID

    static func texts(_ harness: Harness, to user: String) async throws -> [String] {
        let stored = try await harness.admin(.GET, "/messages?to=\(user)")
        return ((stored["messages"] as? [[String: Any]]) ?? []).compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
    }

    @Test("multicast reaches each user once; repeating its retry key is reported as already accepted")
    func multicast() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let messaging = MessagingClient(api: harness.api, tokens: ProviderAndPushTests.provider(harness))
            let first = try await messaging.multicast(to: [Self.brown, Self.cony], messages: [try .text("Sale!")])
            #expect(!first.wasAlreadyAccepted)
            #expect(first.acceptedRequestID != nil)
            let again = try await messaging.multicast(
                to: [Self.brown, Self.cony],
                messages: [try .text("Sale!")],
                retryKey: first.retryKey
            )
            #expect(again.wasAlreadyAccepted)
            #expect(again.acceptedRequestID == first.acceptedRequestID)
            #expect(try await Self.texts(harness, to: Self.brown) == ["Sale!"])
            #expect(try await Self.texts(harness, to: Self.cony) == ["Sale!"])
        }
    }

    @Test("broadcast reaches every friend; narrowcast with limit.max 1 reaches one, and its progress says so")
    func broadcastAndNarrowcast() async throws {
        try await TestEmulator.run { emulator in
            try await emulator.follow(userID: Self.cony, channelID: Seed.messagingChannel.channelID)
            let harness = Harness(emulator)
            let messaging = MessagingClient(api: harness.api, tokens: ProviderAndPushTests.provider(harness))
            _ = try await messaging.broadcast(messages: [try .text("News")])
            #expect(try await Self.texts(harness, to: Self.brown) == ["News"])
            #expect(try await Self.texts(harness, to: Self.cony) == ["News"])

            let sent = try await messaging.narrowcast(messages: [try .text("Some")], limit: NarrowcastLimit(max: 1))
            let requestID = try #require(sent.acceptedRequestID)
            let progress = try await messaging.narrowcastProgress(requestID: requestID)
            #expect(progress.phase == "succeeded")
            #expect(progress.targetCount == 1 && progress.successCount == 1 && progress.failureCount == 0)
            #expect(progress.completedTime == progress.acceptedTime)
            #expect(abs(progress.acceptedTime.timeIntervalSinceNow) < 60)
            let reached = try await Self.texts(harness, to: Self.brown).count + Self.texts(harness, to: Self.cony).count
            #expect(reached == 4 - 1, "two broadcasts and one narrowcast copy")
        }
    }

    @Test("LINE's 400 for an audience the emulator cannot target arrives as LineAPIError with its details")
    func refusedNarrowcast() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let messaging = MessagingClient(api: harness.api, tokens: ProviderAndPushTests.provider(harness))
            let audience: JSONValue = .object(["type": .string("audience"), "audienceGroupId": .integer(5_614_991_017_776)])
            do {
                _ = try await messaging.narrowcast(messages: [try .text("x")], recipient: audience)
                Issue.record("expected 400")
            } catch let error as LineAPIError {
                #expect(error.status == 400)
                #expect(error.details.first?.property == "recipient")
            }
        }
    }

    @Test("counts are checked before anything is sent")
    func counts() async throws {
        let messaging = RecordingTransport().messaging
        await #expect(throws: MessagingError.recipientCount(501)) {
            try await messaging.multicast(to: Array(repeating: Self.brown, count: 501), messages: [try .text("x")])
        }
        await #expect(throws: MessagingError.recipientCount(0)) { try await messaging.multicast(to: [], messages: [try .text("x")]) }
        await #expect(throws: MessagingError.messageCount(0)) { try await messaging.broadcast(messages: []) }
        await #expect(throws: MessagingError.messageCount(6)) {
            try await messaging.narrowcast(messages: Array(repeating: try .text("x"), count: 6))
        }
        await #expect(throws: MessagingError.messageCount(0)) { try await messaging.reply(to: "token", messages: []) }
    }
}
