import Foundation
import LineEmulator
import Testing

/// What every ``EmulatorStore`` method promises, checked with the same code on each backend, with two instances of
/// the platform writing at once (on PostgreSQL two stores with their own connection pools).
@Suite("Store contract, on every backend")
struct StoreContractTests {
    static let channelID = Fixture.web.channelID
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    @Test(
        "the PostgreSQL backend is part of the run",
        .disabled(
            if: StoreBackend.postgresURL == nil && !StoreBackend.isCI,
            "LINEKIT_TEST_POSTGRES_URL is not set: the store contract ran on SQLite only (scripts/test starts a PostgreSQL)"
        )
    )
    func postgresIsConfigured() {
        #expect(StoreBackend.postgresURL != nil, "CI=true but LINEKIT_TEST_POSTGRES_URL is not set: the PostgreSQL store went untested")
    }

    @Test("a code is redeemed once: one token, every other concurrent redemption is a replay", arguments: StoreBackend.available)
    func codeRedeemedOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<20 {
                let code = "code-\(trial)"
                try await stores[0].insertCode(Self.code(code), grantingConsent: Self.consent())
                let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                    for attempt in 0..<20 {
                        group.addTask {
                            switch try await stores[attempt % 2].redeemCode(code, issuing: Self.userToken("\(code)-\(attempt)", code: code))
                            {
                            case .redeemed: "redeemed"
                            case .alreadyUsed: "replay"
                            case .consentWithdrawn: "withdrawn"
                            case .unknown: "unknown"
                            }
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 == "redeemed" }.count == 1, "trial \(trial): \(outcomes)")
                #expect(outcomes.filter { $0 == "replay" }.count == 19, "trial \(trial)")
                let issued = try await stores[1].recentUserTokens(limit: 1_000).filter { $0.code == code }
                #expect(issued.count == 1, "trial \(trial): one token per code")
                #expect(try await stores[1].authorizationCode(code)?.isUsed == true)
            }
        }
    }

    @Test(
        "a consent form answered on both instances at once stores one code: 20 trials of 8 answers",
        arguments: StoreBackend.available
    )
    func formDecidedOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            let validUntil = Self.start.addingTimeInterval(3600)
            for trial in 0..<20 {
                let form = "form-\(trial)"
                let stored = try await withThrowingTaskGroup(of: String?.self) { group in
                    for answer in 0..<8 {
                        group.addTask {
                            let code = "form-\(trial)-code-\(answer)"
                            let inserted = try await stores[answer % 2].insertCode(
                                Self.code(code),
                                grantingConsent: Self.consent(),
                                decidingForm: form,
                                validUntil: validUntil,
                                now: Self.start
                            )
                            return inserted ? code : nil
                        }
                    }
                    return try await group.reduce(into: [String]()) { if let code = $1 { $0.append(code) } }
                }
                #expect(stored.count == 1, "trial \(trial): \(stored)")
                for answer in 0..<8 {
                    let code = "form-\(trial)-code-\(answer)"
                    let found = try await stores[answer % 2].authorizationCode(code) != nil
                    #expect(found == stored.contains(code), "trial \(trial): \(code) stored only if its answer won")
                }
            }
            // A form decided before (a denial records it too) stores no code.
            #expect(try await stores[0].consumeConsentTransaction("denied", validUntil: validUntil, now: Self.start))
            let late = try await stores[1].insertCode(
                Self.code("after-denial"),
                grantingConsent: Self.consent(),
                decidingForm: "denied",
                validUntil: validUntil,
                now: Self.start
            )
            #expect(!late)
            #expect(try await stores[0].authorizationCode("after-denial") == nil)
        }
    }

    @Test("v2.1 tokens: of 100 concurrent issues exactly 30 succeed", arguments: StoreBackend.available)
    func jwtCapExact(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<3 {
                let channel = try await Self.newChannel(stores[0], trial: trial)
                let accepted = try await Self.issueConcurrently(stores, channel: channel, kind: .jwt, revokeOldest: false)
                #expect(accepted == 30, "trial \(trial)")
                let live = try await stores[1].validChannelTokens(channelID: channel, kind: .jwt, at: Self.start)
                #expect(live.count == 30, "trial \(trial)")
            }
        }
    }

    @Test("short-lived tokens: 100 concurrent issues all succeed and leave exactly 30 live", arguments: StoreBackend.available)
    func shortLivedCapExact(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<3 {
                let channel = try await Self.newChannel(stores[0], trial: trial)
                let accepted = try await Self.issueConcurrently(stores, channel: channel, kind: .shortLived, revokeOldest: true)
                #expect(accepted == 100, "trial \(trial)")
                let live = try await stores[1].validChannelTokens(channelID: channel, kind: .shortLived, at: Self.start)
                #expect(live.count == 30, "trial \(trial)")
                let all = try await stores[0].recentChannelTokens(limit: 1_000).filter { $0.channelID == channel }
                #expect(all.count == 100 && all.filter { $0.revokedAt != nil }.count == 70, "trial \(trial)")
            }
        }
    }

    @Test("short-lived tokens: the 31st revokes exactly the oldest", arguments: StoreBackend.available)
    func shortLivedRevokesTheOldest(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            var tokens: [String] = []
            for index in 0..<32 {
                let token = Self.channelToken(
                    "sl-\(index)",
                    channel: Self.channelID,
                    kind: .shortLived,
                    issuedAt: Self.start + Double(index)
                )
                #expect(try await stores[index % 2].insertChannelToken(token, limit: 30, revokeOldest: true))
                tokens.append(token.accessToken)
            }
            let live = try await stores[0].validChannelTokens(channelID: Self.channelID, kind: .shortLived, at: Self.start + 40)
            #expect(live.map(\.accessToken) == Array(tokens[2...]))
            #expect(try await stores[1].channelToken(tokens[0])?.revokedAt != nil)
            #expect(try await stores[1].channelToken(tokens[1])?.revokedAt != nil)
        }
    }

    @Test(
        "a retry key is accepted once; the others get the first request's ID; an expired key is taken over once",
        arguments: StoreBackend.available
    )
    func retryKeyAcceptedOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<10 {
                let key = UUID().uuidString.lowercased()
                for round in 0..<2 {
                    // Round 1 pushes a day later: the key's first acceptance no longer counts.
                    let sentAt = Self.start + Double(round) * 86_400 * 2
                    let outcomes = try await withThrowingTaskGroup(of: (String, PushAcceptance).self) { group in
                        for attempt in 0..<20 {
                            group.addTask {
                                let requestID = "req-\(trial)-\(round)-\(attempt)"
                                let message = Self.message("m-\(requestID)", key: key, requestID: requestID, sentAt: sentAt)
                                let outcome = try await stores[attempt % 2].storePush(
                                    [message],
                                    channelID: Self.channelID,
                                    retryKey: key,
                                    keysValidSince: sentAt - 86_400,
                                    acceptance: AcceptedPush(requestID: requestID, sentMessages: [SentMessageRecord(id: message.id)])
                                )
                                return (requestID, outcome)
                            }
                        }
                        return try await group.reduce(into: [(String, PushAcceptance)]()) { $0.append($1) }
                    }
                    let accepted = outcomes.filter { $0.1 == .accepted }.map(\.0)
                    #expect(accepted.count == 1, "trial \(trial) round \(round)")
                    for (_, outcome) in outcomes {
                        if case .duplicate(let earlier) = outcome {
                            #expect(earlier.requestID == accepted.first)
                            #expect(earlier.sentMessages.map(\.id) == ["m-\(earlier.requestID)"])
                        }
                    }
                    let stored = try await stores[1].messages(to: Fixture.brown.userID, channelID: Self.channelID, limit: 10_000)
                    #expect(stored.filter { $0.retryKey == key }.count == round + 1, "trial \(trial) round \(round): stored once")
                }
            }
        }
    }

    @Test("the emulator's secrets are created once and the same on every instance", arguments: StoreBackend.available)
    func secretsCreatedOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            let values = try await withThrowingTaskGroup(of: Data.self) { group in
                for attempt in 0..<40 {
                    group.addTask {
                        try await stores[attempt % 2].secret(named: "contract-secret") { Data(UUID().uuidString.utf8) }
                    }
                }
                return try await group.reduce(into: [Data]()) { $0.append($1) }
            }
            #expect(Set(values).count == 1)
            #expect(try await stores[1].secret(named: "contract-secret") { Data() } == values[0])
        }
    }

    @Test("a revoke, a deauthorize and a replay on one instance are seen by the next read on the other", arguments: StoreBackend.available)
    func revocationSeenEverywhere(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            try await stores[0].insertCode(Self.code("c1"), grantingConsent: Self.consent())
            _ = try await stores[0].redeemCode("c1", issuing: Self.userToken("t1", code: "c1"))
            #expect(try await stores[1].userToken(accessToken: "t1")?.revokedAt == nil)
            try await stores[0].revokeGrant(refreshToken: "refresh-t1", at: Self.start)
            #expect(try await stores[1].userToken(accessToken: "t1")?.revokedAt != nil)

            try await stores[1].insertCode(Self.code("c2"), grantingConsent: Self.consent())
            _ = try await stores[1].redeemCode("c2", issuing: Self.userToken("t2", code: "c2"))
            #expect(try await stores[0].consent(userID: Fixture.brown.userID, channelID: Self.channelID) != nil)
            #expect(try await stores[0].deauthorize(userID: Fixture.brown.userID, channelID: Self.channelID, at: Self.start))
            #expect(try await stores[1].userToken(accessToken: "t2")?.revokedAt != nil)
            #expect(try await stores[1].consent(userID: Fixture.brown.userID, channelID: Self.channelID) == nil)

            let channelToken = Self.channelToken("ct", channel: Self.channelID, kind: .shortLived, issuedAt: Self.start)
            _ = try await stores[0].insertChannelToken(channelToken, limit: 30, revokeOldest: true)
            #expect(try await stores[1].channelToken("ct")?.revokedAt == nil)
            try await stores[1].revokeChannelToken("ct", at: Self.start)
            #expect(try await stores[0].channelToken("ct")?.revokedAt != nil)
        }
    }

    @Test(
        "a revoke racing refreshes on the other instance is final: no token of the grant is left working",
        arguments: StoreBackend.available
    )
    func revokeRacingRefreshes(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<20 {
                let code = "race-\(trial)"
                try await stores[0].insertCode(Self.code(code), grantingConsent: Self.consent())
                _ = try await stores[0].redeemCode(code, issuing: Self.userToken(code, code: code))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for attempt in 0..<10 {
                        group.addTask {
                            var refreshed = Self.userToken("\(code)-\(attempt)", code: code)
                            refreshed.refreshToken = "refresh-" + code
                            _ = try await stores[attempt % 2].refreshGrant(issuing: refreshed, replacing: nil)
                        }
                    }
                    group.addTask {
                        switch trial % 3 {
                        case 0: try await stores[1].revokeGrant(refreshToken: "refresh-" + code, at: Self.start)
                        case 1: try await stores[1].revokeGrants(issuedFromCode: code, at: Self.start)
                        default:
                            _ = try await stores[1].deauthorize(userID: Fixture.brown.userID, channelID: Self.channelID, at: Self.start)
                        }
                    }
                    try await group.waitForAll()
                }
                let tokens = try await stores[0].recentUserTokens(limit: 10_000).filter { $0.code == code }
                #expect(
                    !tokens.isEmpty && tokens.allSatisfy { $0.revokedAt != nil },
                    "trial \(trial): \(tokens.filter { $0.revokedAt == nil }.count) live"
                )
            }
        }
    }

    @Test(
        "a v2.0 refresh token used on both instances at once is rotated once: one new token, the old one revoked",
        arguments: StoreBackend.available
    )
    func rotationOnce(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<20 {
                let code = "rotate-\(trial)"
                try await stores[0].insertCode(Self.code(code), grantingConsent: Self.consent())
                _ = try await stores[0].redeemCode(code, issuing: Self.userToken(code, code: code))
                let outcomes = try await withThrowingTaskGroup(of: RefreshOutcome.self) { group in
                    for attempt in 0..<6 {
                        group.addTask {
                            let successor = Self.userToken("\(code)-next-\(attempt)", code: code)
                            return try await stores[attempt % 2].refreshGrant(issuing: successor, replacing: "refresh-" + code)
                        }
                    }
                    return try await group.reduce(into: [RefreshOutcome]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 == .refreshed }.count == 1, "trial \(trial): \(outcomes)")
                let live = try await stores[1].recentUserTokens(limit: 10_000).filter { $0.code == code && $0.revokedAt == nil }
                #expect(live.count == 1 && live.first?.refreshToken != "refresh-" + code, "trial \(trial)")
            }
        }
    }

    @Test("a code redeemed while the other instance deauthorizes never leaves a working token", arguments: StoreBackend.available)
    func redeemRacingDeauthorize(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<30 {
                let code = "deauth-\(trial)"
                try await stores[0].insertCode(Self.code(code), grantingConsent: Self.consent())
                async let redeemed = stores[0].redeemCode(code, issuing: Self.userToken(code, code: code))
                async let deauthorized = stores[1].deauthorize(userID: Fixture.brown.userID, channelID: Self.channelID, at: Self.start)
                _ = try await (redeemed, deauthorized)
                let token = try await stores[1].userToken(accessToken: code)
                #expect(token == nil || token?.revokedAt != nil, "trial \(trial)")
            }
        }
    }

    @Test("consents granted at once on two instances keep the union of their scopes", arguments: StoreBackend.available)
    func consentScopesMerge(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            async let first: Void = stores[0].insertCode(Self.code("s1"), grantingConsent: Self.consent([.profile]))
            async let second: Void = stores[1].insertCode(Self.code("s2"), grantingConsent: Self.consent([.openid, .email]))
            _ = try await (first, second)
            let consent = try await stores[0].consent(userID: Fixture.brown.userID, channelID: Self.channelID)
            #expect(consent?.scopes == ScopeSet([.profile, .openid, .email]))
        }
    }

    @Test("a reset on one instance empties the platform for all, keeps the secrets and applies the seed", arguments: StoreBackend.available)
    func resetIsSeenEverywhere(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            let secret = try await stores[0].secret(named: "kept") { Data("kept".utf8) }
            try await stores[0].insertCode(Self.code("r1"), grantingConsent: Self.consent())
            _ = try await stores[0].redeemCode("r1", issuing: Self.userToken("rt1", code: "r1"))
            #expect(try await stores[1].insertChannel(Channel(channelID: "2999999999", channelSecret: "s", name: "Extra")))
            try await stores[1].reset(to: .default)
            #expect(try await stores[0].userToken(accessToken: "rt1") == nil)
            #expect(try await stores[0].authorizationCode("r1") == nil)
            #expect(try await stores[0].channel(id: "2999999999") == nil)
            #expect(try await stores[0].channels().map(\.channelID) == Seed.default.channels.map(\.channelID))
            #expect(try await stores[0].users().map(\.userID) == Seed.default.users.map(\.userID))
            #expect(try await stores[1].secret(named: "kept") { Data() } == secret)
        }
    }

    // MARK: Fixtures

    /// Issues 100 tokens of `kind` for `channel` at once, split over the instances; returns how many were accepted.
    static func issueConcurrently(
        _ stores: [any EmulatorStore],
        channel: String,
        kind: ChannelAccessToken.Kind,
        revokeOldest: Bool
    ) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<100 {
                group.addTask {
                    let token = channelToken("\(channel)-\(index)", channel: channel, kind: kind, issuedAt: start)
                    return try await stores[index % 2].insertChannelToken(token, limit: 30, revokeOldest: revokeOldest)
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    static func newChannel(_ store: any EmulatorStore, trial: Int) async throws -> String {
        let id = "29000000\(trial)\(Int.random(in: 10...99))"
        _ = try await store.insertChannel(Channel(channelID: id, channelSecret: "secret", name: "Trial \(trial)", kind: .messaging))
        return id
    }

    static func code(_ code: String) -> AuthorizationCode {
        AuthorizationCode(
            code: code,
            version: .v2_1,
            channelID: channelID,
            userID: Fixture.brown.userID,
            redirectURI: Fixture.callback,
            scopes: ScopeSet([.profile, .openid]),
            amr: ["pwd"],
            issuedAt: start,
            expiresAt: start + 600
        )
    }

    static func consent(_ scopes: Set<ScopeSet.Scope> = [.profile, .openid]) -> Consent {
        Consent(userID: Fixture.brown.userID, channelID: channelID, scopes: ScopeSet(scopes), grantedAt: start)
    }

    static func userToken(_ accessToken: String, code: String) -> UserAccessToken {
        UserAccessToken(
            accessToken: accessToken,
            refreshToken: "refresh-" + accessToken,
            version: .v2_1,
            channelID: channelID,
            userID: Fixture.brown.userID,
            scopes: ScopeSet([.profile, .openid]),
            issuedAt: start,
            expiresAt: start + 2_592_000,
            refreshExpiresAt: start + 7_776_000,
            code: code
        )
    }

    static func channelToken(_ accessToken: String, channel: String, kind: ChannelAccessToken.Kind, issuedAt: Date) -> ChannelAccessToken {
        ChannelAccessToken(accessToken: accessToken, kind: kind, channelID: channel, issuedAt: issuedAt, expiresAt: issuedAt + 2_592_000)
    }

    static func message(_ id: String, key: String, requestID: String, sentAt: Date) -> StoredMessage {
        StoredMessage(
            id: id,
            channelID: channelID,
            to: Fixture.brown.userID,
            type: "text",
            json: Data(#"{"type":"text","text":"hi"}"#.utf8),
            retryKey: key,
            requestID: requestID,
            delivered: true,
            sentAt: sentAt
        )
    }
}
