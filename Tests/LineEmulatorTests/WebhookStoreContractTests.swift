import Foundation
import LineEmulator
import Testing

/// The store contract of linked channels, webhook settings, friendship changes, reply tokens and deliveries, on every
/// backend, with two instances of the platform writing at once.
@Suite("Store contract: webhooks, on every backend")
struct WebhookStoreContractTests {
    static let bot = Seed.messagingChannel.channelID
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    @Test("links and webhook settings are stored, replaced and read back by the other instance", arguments: StoreBackend.available)
    func settings(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            #expect(try await stores[1].linkedBotChannel(loginChannelID: Fixture.web.channelID) == Self.bot, "the default seed's link")
            #expect(try await stores[1].linkedBotChannel(loginChannelID: Fixture.native.channelID) == nil)
            try await stores[0].setLinkedBotChannel(loginChannelID: Fixture.native.channelID, botChannelID: Self.bot)
            try await stores[0].setLinkedBotChannel(loginChannelID: Fixture.web.channelID, botChannelID: nil)
            #expect(try await stores[1].channelLinks().map(\.loginChannelID) == [Fixture.native.channelID])

            #expect(try await stores[1].webhookEndpoint(channelID: Self.bot) == nil)
            let set = try await stores[0].updateWebhookEndpoint(channelID: Self.bot, url: "http://a/", isActive: nil)
            #expect(set == WebhookEndpoint(channelID: Self.bot, url: "http://a/", isActive: true))
            let off = try await stores[1].updateWebhookEndpoint(channelID: Self.bot, url: nil, isActive: false)
            #expect(off == WebhookEndpoint(channelID: Self.bot, url: "http://a/", isActive: false), "a nil URL keeps the stored one")
            #expect(try await stores[0].webhookEndpoint(channelID: Self.bot) == off)

            try await stores[0].reset(to: .default)
            #expect(try await stores[1].webhookEndpoint(channelID: Self.bot) == nil, "a reset empties the settings")
            #expect(try await stores[1].linkedBotChannel(loginChannelID: Fixture.web.channelID) == Self.bot)
        }
    }

    @Test(
        "each friendship change is reported once under concurrency: 20 trials of 8 follows, then 8 unfollows",
        arguments: StoreBackend.available
    )
    func friendshipChangedOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            let user = Fixture.sally.userID
            for trial in 0..<20 {
                for isFriend in [true, false] {
                    let changes = try await withThrowingTaskGroup(of: FriendshipChange?.self) { group in
                        for attempt in 0..<8 {
                            group.addTask {
                                try await stores[attempt % 2].changeFriendship(userID: user, channelID: Self.bot, isFriend: isFriend)
                            }
                        }
                        return try await group.reduce(into: [FriendshipChange?]()) { $0.append($1) }
                    }
                    let reported = changes.compactMap { $0 }
                    let expected: FriendshipChange = isFriend ? .followed(isUnblocked: trial > 0) : .unfollowed
                    #expect(reported == [expected], "trial \(trial), isFriend \(isFriend): \(changes)")
                    #expect(try await stores[1].isFriend(userID: user, channelID: Self.bot) == isFriend)
                }
            }
        }
    }

    @Test("a reply token is used once: 20 trials of 8 concurrent replies store one reply", arguments: StoreBackend.available)
    func replyTokenUsedOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<20 {
                let token = ReplyToken(
                    token: "reply-\(trial)",
                    channelID: Self.bot,
                    userID: Fixture.brown.userID,
                    issuedAt: Self.start,
                    expiresAt: Self.start.addingTimeInterval(60)
                )
                try await stores[0].insertReplyToken(token)
                #expect(try await stores[1].replyToken(token.token, channelID: Self.bot, at: Self.start)?.userID == Fixture.brown.userID)
                #expect(try await stores[1].replyToken(token.token, channelID: "other", at: Self.start) == nil)
                let used = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for attempt in 0..<8 {
                        group.addTask {
                            let message = StoredMessage(
                                id: "m-\(trial)-\(attempt)",
                                channelID: Self.bot,
                                to: Fixture.brown.userID,
                                type: "text",
                                json: Data(#"{"type":"text","text":"x"}"#.utf8),
                                quoteToken: nil,
                                retryKey: nil,
                                requestID: "r",
                                delivered: true,
                                sentAt: Self.start
                            )
                            return try await stores[attempt % 2].storeReply(
                                [message],
                                replyToken: token.token,
                                channelID: Self.bot,
                                at: Self.start
                            )
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(used.filter { $0 }.count == 1, "trial \(trial): \(used)")
                #expect(try await stores[1].replyToken(token.token, channelID: Self.bot, at: Self.start) == nil, "used")
            }
            let stored = try await stores[1].messages(to: Fixture.brown.userID, channelID: Self.bot, limit: 1000)
            #expect(stored.count == 20, "the messages of exactly one reply per token")

            let late = ReplyToken(
                token: "late",
                channelID: Self.bot,
                userID: Fixture.brown.userID,
                issuedAt: Self.start,
                expiresAt: Self.start
            )
            try await stores[0].insertReplyToken(late)
            #expect(try await !stores[1].storeReply([], replyToken: "late", channelID: Self.bot, at: Self.start), "expired at its deadline")
        }
    }

    @Test("deliveries are recorded, updated with their outcome and listed newest first", arguments: StoreBackend.available)
    func deliveries(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for index in 0..<3 {
                try await stores[index % 2].insertDelivery(
                    WebhookDelivery(
                        id: "d\(index)",
                        channelID: Self.bot,
                        url: "http://a/",
                        body: Data(#"{"destination":"U","events":[]}"#.utf8),
                        isRedelivery: index == 2,
                        createdAt: Self.start
                    )
                )
            }
            var outcome = try #require(try await stores[1].delivery(id: "d1"))
            #expect(outcome.state == .pending)
            outcome.state = .failed
            outcome.statusCode = 503
            outcome.latencyMilliseconds = 12
            outcome.responseExcerpt = "busy"
            try await stores[0].recordDeliveryOutcome(outcome)
            #expect(try await stores[1].delivery(id: "d1") == outcome)
            #expect(try await stores[1].deliveries(channelID: nil, limit: 10).map(\.id) == ["d2", "d1", "d0"])
            #expect(try await stores[1].deliveries(channelID: Self.bot, limit: 2).map(\.id) == ["d2", "d1"])
            #expect(try await stores[1].deliveries(channelID: "other", limit: 10).isEmpty)
            #expect(try await stores[0].delivery(id: "d2")?.isRedelivery == true)
        }
    }
}
