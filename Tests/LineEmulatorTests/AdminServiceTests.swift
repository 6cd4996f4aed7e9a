import Crypto
import CryptoExtras
import Foundation
import Logging
import Testing

@testable import LineEmulator

/// The admin service on its own, without HTTP: each action, its checks and its refusals, on every store backend.
@Suite("Admin service")
struct AdminServiceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Runs `body` with a service over a freshly seeded store of `backend`, a clock frozen at ``now``, no fault rules
    /// and LINE's rate limits.
    static func withService(_ backend: StoreBackend, _ body: (AdminService) async throws -> Void) async throws {
        try await backend.withInstances { stores in
            let store = stores[0]
            let clock = EmulatorClock(fixed: now)
            let keys = try await SigningKeys.load(from: store)
            let deliverer = WebhookDeliverer(
                store: store,
                sender: WebhookHTTPSender(),
                timeout: .seconds(5),
                logger: Logger(label: "admin-service-tests")
            )
            let webhooks = WebhookService(store: store, clock: clock, deliverer: deliverer)
            let login = LoginService(store: store, clock: clock, keys: keys, issuer: "https://access.line.me", webhooks: webhooks)
            let rateLimiter = RateLimiter()
            try await body(
                AdminService(
                    store: store,
                    clock: clock,
                    seed: .default,
                    channelTokens: ChannelTokenService(store: store, clock: clock, login: login, rateLimiter: rateLimiter),
                    rateLimiter: rateLimiter,
                    requestLog: RequestLog(),
                    faults: FaultInjector(),
                    webhooks: webhooks
                )
            )
        }
    }

    /// Expects `body` to be refused with exactly `refusal`.
    static func expectRefusal(
        _ refusal: AdminError,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected \(refusal), but the action succeeded", sourceLocation: sourceLocation)
        } catch let error as AdminError {
            #expect(error == refusal, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(refusal), got \(error)", sourceLocation: sourceLocation)
        }
    }

    static let unknownUser = "U00000000000000000000000000000000"

    @Test("channels: list the seed, create with generated credentials, refuse a taken ID or a bad one", arguments: StoreBackend.available)
    func channels(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            #expect(try await admin.channels().map(\.channelID) == Seed.default.channels.map(\.channelID))
            let created = try await admin.createChannel(
                ChannelDocument(Channel(channelID: "3000000001", channelSecret: "", name: "Shop")).withoutSecret
            ).channel()
            #expect(created.channelSecret.count == 32)
            #expect(try await admin.channels().last?.channelID == "3000000001")
            await Self.expectRefusal(.conflict("channel 3000000001 already exists")) {
                _ = try await admin.createChannel(ChannelDocument(created))
            }
            var badID = ChannelDocument(created)
            badID.channelId = "12"
            await Self.expectRefusal(.invalid("channelId must be 10 digits, got \"12\"")) { _ = try await admin.createChannel(badID) }
        }
    }

    @Test("channel keys: registered keys are listed; an unknown channel is not found", arguments: StoreBackend.available)
    func channelKeys(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let channelID = Seed.messagingChannel.channelID
            #expect(try await admin.channelKeys(channelID: channelID).isEmpty)
            let jwk = try AssertionSigner.publicJWK(of: try _RSA.Signing.PrivateKey(keySize: .bits2048))
            let keyID = try await admin.registerChannelKey(channelID: channelID, jwk: jwk)
            #expect(try await admin.channelKeys(channelID: channelID).map(\.keyID) == [keyID])
            await Self.expectRefusal(.notFound("channel 9999999999 not found")) { _ = try await admin.channelKeys(channelID: "9999999999") }
            await Self.expectRefusal(.notFound("channel 9999999999 not found")) {
                _ = try await admin.registerChannelKey(channelID: "9999999999", jwk: jwk)
            }
        }
    }

    @Test("users: create, read, update; a taken ID, a bad profile and an unknown user are refused", arguments: StoreBackend.available)
    func users(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let moon = try await admin.createUser(
                UserResource(userId: nil, displayName: "Moon", pictureUrl: nil, statusMessage: nil, email: nil)
            )
            #expect(User.isValidID(moon.userID))
            #expect(try await admin.user(id: moon.userID) == moon)
            #expect(try await admin.users().count == Seed.default.users.count + 1)
            await Self.expectRefusal(.conflict("user \(moon.userID) already exists")) { _ = try await admin.createUser(UserResource(moon)) }
            await Self.expectRefusal(.invalid("displayName of user \(moon.userID) must be 1 to 100 characters")) {
                _ = try await admin.updateUser(
                    UserResource(userId: moon.userID, displayName: "", pictureUrl: nil, statusMessage: nil, email: nil)
                )
            }

            var renamed = UserResource(moon)
            renamed.displayName = "Moon 2"
            renamed.statusMessage = "away"
            #expect(try await admin.updateUser(renamed).displayName == "Moon 2")
            #expect(try await admin.user(id: moon.userID).statusMessage == "away")

            renamed.userId = Self.unknownUser
            await Self.expectRefusal(.notFound("user \(Self.unknownUser) not found")) { _ = try await admin.updateUser(renamed) }
            await Self.expectRefusal(.notFound("user \(Self.unknownUser) not found")) { _ = try await admin.user(id: Self.unknownUser) }
        }
    }

    @Test("friendships: exactly the bots named, among channels with a linked bot", arguments: StoreBackend.available)
    func friendships(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let userID = Fixture.sally.userID
            let bots = Seed.default.channels.filter { $0.kind == .messaging }.map(\.channelID)
            try await admin.setFriendships(userID: userID, friendOf: Set(bots + ["9999999999"]))
            #expect(Set(try await admin.friendChannels(userID: userID)) == Set(bots))
            try await admin.setFriendships(userID: userID, friendOf: [])
            #expect(try await admin.friendChannels(userID: userID).isEmpty)
            await Self.expectRefusal(.notFound("user \(Self.unknownUser) not found")) {
                try await admin.setFriendships(userID: Self.unknownUser, friendOf: Set(bots))
            }
        }
    }

    @Test(
        "consents: listed with the channel's name; deauthorize removes them; an unknown user is not found",
        arguments: StoreBackend.available
    )
    func consents(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let userID = Fixture.brown.userID
            let channelID = Fixture.web.channelID
            let consent = Consent(userID: userID, channelID: channelID, scopes: ScopeSet([.profile, .openid]), grantedAt: Self.now)
            try await admin.store.insertCode(
                RevocationStoreTests.code("consent-code", userID: userID, channelID: channelID),
                grantingConsent: consent
            )
            let listed = try await admin.consents(userID: userID)
            #expect(listed.map(\.consent) == [consent])
            #expect(listed.map(\.channelName) == [Fixture.web.name])
            #expect(try await admin.deauthorize(userID: userID, channelID: channelID))
            #expect(try await admin.consents(userID: userID).isEmpty)
            #expect(try await admin.deauthorize(userID: userID, channelID: channelID) == false, "nothing left to remove")
            await Self.expectRefusal(.notFound("user \(Self.unknownUser) not found")) {
                _ = try await admin.consents(userID: Self.unknownUser)
            }
        }
    }

    @Test("tokens: mint and list channel tokens, revoke a user token's grant and a channel token", arguments: StoreBackend.available)
    func tokens(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let channelID = Seed.messagingChannel.channelID
            let minted = try await admin.mintChannelToken(channelID: channelID, kind: .shortLived, lifetime: 3600)
            #expect(minted.expires_in == 3600)
            #expect(try await admin.recentChannelTokens(limit: 10).map(\.accessToken) == [minted.access_token])
            try await admin.revokeChannelToken(minted.access_token)
            #expect(try await admin.recentChannelTokens(limit: 10).first?.revokedAt == Self.now)
            await Self.expectRefusal(.notFound("channel 9999999999 not found")) {
                _ = try await admin.mintChannelToken(channelID: "9999999999", kind: .shortLived, lifetime: nil)
            }
            await Self.expectRefusal(.notFound("no such channel access token")) { try await admin.revokeChannelToken("unknown") }
            await Self.expectRefusal(.invalid("expiresIn must be between 1 and 900 seconds for stateless tokens")) {
                _ = try await admin.mintChannelToken(channelID: channelID, kind: .stateless, lifetime: 901)
            }

            // A user token and its refreshed successor: revoking either ends the grant.
            try await admin.store.insertCode(RevocationStoreTests.code("c1"), grantingConsent: RevocationStoreTests.consent())
            let first = RevocationStoreTests.token("a1", refreshToken: "r1", code: "c1")
            _ = try await admin.store.redeemCode("c1", issuing: first)
            let second = RevocationStoreTests.token("a2", refreshToken: "r1", code: "c1", at: Self.now.addingTimeInterval(1))
            #expect(try await admin.store.refreshGrant(issuing: second) == .refreshed)
            #expect(Set(try await admin.recentUserTokens(limit: 10).map(\.accessToken)) == ["a1", "a2"])
            try await admin.revokeUserToken("a1")
            #expect(try await admin.recentUserTokens(limit: 10).allSatisfy { $0.revokedAt == Self.now })
            await Self.expectRefusal(.notFound("no such user access token")) { try await admin.revokeUserToken("unknown") }
        }
    }

    @Test("messages: listed newest first, by recipient; a limit out of 1…1000 is refused", arguments: StoreBackend.available)
    func messages(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let channelID = Seed.messagingChannel.channelID
            let sent = ["m1": Fixture.brown.userID, "m2": Fixture.cony.userID, "m3": Fixture.brown.userID].sorted { $0.key < $1.key }
            for (id, recipient) in sent {
                let message = StoredMessage(
                    id: id,
                    channelID: channelID,
                    to: recipient,
                    type: "text",
                    json: Data(#"{"type":"text","text":"hi"}"#.utf8),
                    quoteToken: nil,
                    retryKey: nil,
                    requestID: "request-" + id,
                    delivered: true,
                    sentAt: Self.now
                )
                let acceptance = AcceptedPush(requestID: message.requestID, sentMessages: [])
                _ = try await admin.store.storePush(
                    [message],
                    channelID: channelID,
                    retryKey: nil,
                    keysValidSince: Self.now,
                    acceptance: acceptance
                )
            }
            #expect(try await admin.messages(to: Fixture.brown.userID, channelID: nil, limit: 10).map(\.id) == ["m3", "m1"])
            #expect(try await admin.messages(to: nil, channelID: channelID, limit: 2).map(\.id) == ["m3", "m2"])
            for limit in [0, 1001] {
                await Self.expectRefusal(.invalid("limit must be between 1 and 1000")) {
                    _ = try await admin.messages(to: nil, channelID: nil, limit: limit)
                }
            }
        }
    }

    @Test("groups and rooms: created with known members and Messaging API bots only", arguments: StoreBackend.available)
    func chats(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            let bot = Seed.messagingChannel.channelID
            let group = GroupChat(
                chatID: GroupChat.newID(kind: .group),
                kind: .group,
                name: "Team",
                memberIDs: [Fixture.brown.userID],
                channelIDs: [bot]
            )
            let created = try await admin.createChat(group)
            #expect(created == group)
            let groups = try await admin.chats(kind: .group)
            #expect(groups == [group])
            let rooms = try await admin.chats(kind: .room)
            #expect(rooms.isEmpty)
            await Self.expectRefusal(.conflict("group \(group.chatID) already exists")) { _ = try await admin.createChat(group) }

            func variant(_ change: (inout GroupChat) -> Void) -> GroupChat {
                var chat = group
                chat.chatID = GroupChat.newID(kind: .group)
                change(&chat)
                return chat
            }
            await Self.expectRefusal(.invalid("groupId must be C followed by 32 lowercase hexadecimal digits")) {
                _ = try await admin.createChat(variant { $0.chatID = "C1" })
            }
            await Self.expectRefusal(.invalid("groupName must be 1 to 100 characters")) {
                _ = try await admin.createChat(variant { $0.name = String(repeating: "x", count: 101) })
            }
            await Self.expectRefusal(.invalid("groupName must not contain control characters")) {
                _ = try await admin.createChat(variant { $0.name = "a\nb" })
            }
            await Self.expectRefusal(.invalid("memberIds: user \(Self.unknownUser) does not exist")) {
                _ = try await admin.createChat(variant { $0.memberIDs = [Self.unknownUser] })
            }
            await Self.expectRefusal(.invalid("channelIds: \(Fixture.web.channelID) is not a Messaging API channel")) {
                _ = try await admin.createChat(variant { $0.channelIDs = [Fixture.web.channelID] })
            }
            let stored = try await admin.chats(kind: .group)
            #expect(stored == [group], "nothing refused was stored")
        }
    }

    @Test("clock: advances within bounds; a refused advance leaves it where it was")
    func clock() async throws {
        try await Self.withService(.sqlite) { admin in
            #expect(try await admin.clockReading() == .init(now: Self.now, offsetSeconds: 0))
            #expect(try await admin.advanceClock(by: 3600) == .init(now: Self.now.addingTimeInterval(3600), offsetSeconds: 3600))
            for seconds in [0, -1, .nan, .infinity] {
                await Self.expectRefusal(.invalid(EmulatorClock.AdvanceRefusal.notPositive.description)) {
                    _ = try await admin.advanceClock(by: seconds)
                }
            }
            await Self.expectRefusal(.invalid(EmulatorClock.AdvanceRefusal.tooLong.description)) {
                _ = try await admin.advanceClock(by: EmulatorClock.maximumAdvance + 1)
            }
            for _ in 0..<9 { _ = try await admin.advanceClock(by: EmulatorClock.maximumAdvance) }
            let offset = 3600 + 9 * EmulatorClock.maximumAdvance
            await Self.expectRefusal(.invalid(EmulatorClock.AdvanceRefusal.tooFar.description)) {
                _ = try await admin.advanceClock(by: EmulatorClock.maximumAdvance)
            }
            #expect(try await admin.clockReading().offsetSeconds == offset, "refused advances do not move the clock")
        }
    }

    @Test("faults: add (checked, an ID assigned), list, remove one or all; an unknown rule is not found")
    func faults() async throws {
        try await Self.withService(.sqlite) { admin in
            let added = try await admin.addFault(FaultInjector.Rule(method: "post", path: "/v2/bot/*", action: .status))
            #expect(added.id.hasPrefix("fault-"))
            #expect(added.method == "POST")
            #expect(added.status == 500)
            #expect(try await admin.faultRules() == [added])
            await Self.expectRefusal(.conflict("fault \(added.id) already exists")) { _ = try await admin.addFault(added) }
            await Self.expectRefusal(.invalid("path must start with /")) {
                _ = try await admin.addFault(FaultInjector.Rule(path: "v2", action: .drop))
            }
            await Self.expectRefusal(.invalid("latencyMs must be between 1 and 60000")) {
                _ = try await admin.addFault(FaultInjector.Rule(path: "/v2", action: .latency, latencyMs: 60_001))
            }
            try await admin.removeFault(id: added.id)
            #expect(try await admin.faultRules().isEmpty)
            await Self.expectRefusal(.notFound("no such fault rule")) { try await admin.removeFault(id: added.id) }
            _ = try await admin.addFault(FaultInjector.Rule(path: "/a", action: .drop))
            _ = try await admin.addFault(FaultInjector.Rule(path: "/b", action: .drop))
            try await admin.removeAllFaults()
            #expect(try await admin.faultRules().isEmpty)
        }
    }

    @Test("rate limits: set and lift; an unknown endpoint or a rate out of bounds changes nothing")
    func rateLimits() async throws {
        try await Self.withService(.sqlite) { admin in
            let changes: [String: Double?] = ["push": 10, "keyIDs": nil]
            let rates = try await admin.setRateLimits(changes)
            #expect(rates[.push] == 10)
            #expect(rates[.keyIDs] == nil)
            #expect(try await admin.rateLimits() == rates)
            let known = RateLimiter.Endpoint.allCases.map(\.rawValue).joined(separator: ", ")
            await Self.expectRefusal(.invalid("unknown endpoint pull; known: \(known)")) {
                _ = try await admin.setRateLimits(["push": 20, "pull": 1])
            }
            await Self.expectRefusal(.invalid("push must be between 0.01 and 1000000 requests per second, or null for no limit")) {
                _ = try await admin.setRateLimits(["push": 0, "shortLivedIssue": 1])
            }
            #expect(try await admin.rateLimits() == rates, "a refused change applies none of its rates")
        }
    }

    @Test("request log: filtered, newest first; a limit outside 1…capacity is refused")
    func requestLog() async throws {
        try await Self.withService(.sqlite) { admin in
            for (index, path) in ["/v2/profile", "/oauth2/v2.1/verify", "/v2/profile"].enumerated() {
                admin.requestLog.record(
                    RequestLog.Entry(
                        requestID: "request-\(index)",
                        time: Self.now,
                        method: "GET",
                        path: path,
                        status: 200,
                        durationMilliseconds: 1
                    )
                )
            }
            let profile = try await admin.requests(method: "get", path: "/v2/profile", status: 200, limit: 10)
            #expect(profile.map(\.requestID) == ["request-2", "request-0"])
            #expect(try await admin.requests(method: nil, path: nil, status: nil, limit: 1).map(\.requestID) == ["request-2"])
            for limit in [0, admin.requestLogCapacity + 1] {
                await Self.expectRefusal(.invalid("limit must be between 1 and \(admin.requestLogCapacity)")) {
                    _ = try await admin.requests(method: nil, path: nil, status: nil, limit: limit)
                }
            }
        }
    }

    @Test(
        "reset: the seed's channels and users again, the clock back, no fault rules and an empty request log",
        arguments: StoreBackend.available
    )
    func reset(backend: StoreBackend) async throws {
        try await Self.withService(backend) { admin in
            _ = try await admin.createUser(UserResource(userId: nil, displayName: "Temp", pictureUrl: nil, statusMessage: nil, email: nil))
            _ = try await admin.advanceClock(by: 60)
            _ = try await admin.addFault(FaultInjector.Rule(path: "/v2/profile", action: .drop))
            admin.requestLog.record(
                RequestLog.Entry(requestID: "r", time: Self.now, method: "GET", path: "/", status: 200, durationMilliseconds: 1)
            )
            #expect(try await admin.reset() == .init(now: Self.now, offsetSeconds: 0))
            #expect(try await admin.users().map(\.userID) == Seed.default.users.map(\.userID))
            #expect(try await admin.faultRules().isEmpty)
            #expect(try await admin.requests(method: nil, path: nil, status: nil, limit: 10).isEmpty)
        }
    }
}

extension ChannelDocument {
    /// The document with its secret left out (the service generates one).
    fileprivate var withoutSecret: ChannelDocument {
        var document = self
        document.channelSecret = nil
        return document
    }
}
