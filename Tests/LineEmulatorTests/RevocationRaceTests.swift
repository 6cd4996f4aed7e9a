import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

/// An acknowledged revocation is final: refreshes and code exchanges racing a revoke, a code replay or a deauthorize
/// never leave a token of the revoked grant working. Each trial races over real HTTP, then checks every token issued.
@Suite("Revocation races")
struct RevocationRaceTests {
    /// Trials per race. Each costs about forty requests, so the suite stays within seconds on two busy cores.
    static let revokeTrials = 200
    static let replayTrials = 100
    static let deauthorizeTrials = 100
    static let v2RevokeTrials = 100
    /// Refreshes racing each revocation.
    static let racingRefreshes = 16

    @Test("a revoke answered 200 is final against 16 racing refreshes")
    func refreshRacingRevoke() async throws {
        try await TestEmulator.run { emulator in
            let survivors = try await Self.trials(Self.revokeTrials, emulator) { grant in
                let revoke = try await RawHTTP(emulator).postForm(
                    "/oauth2/v2.1/revoke",
                    [
                        ("access_token", grant.accessToken), ("client_id", Fixture.web.channelID),
                        ("client_secret", Fixture.web.channelSecret),
                    ]
                )
                return revoke.status == 200
            }
            #expect(survivors == Survivors(), "tokens still working after an acknowledged revoke")
        }
    }

    @Test("a v2.0 revoke answered 200 with the first refresh token is final against 16 racing rotating refreshes")
    func v2RefreshRacingRevoke() async throws {
        try await TestEmulator.run { emulator in
            let survivors = try await Self.trials(Self.v2RevokeTrials, emulator, flow: .v2_0) { grant in
                let revoke = try await RawHTTP(emulator).postForm("/v2/oauth/revoke", [("refresh_token", grant.refreshToken)])
                return revoke.status == 200
            }
            #expect(survivors == Survivors(), "v2.0 tokens still working after an acknowledged revoke")
        }
    }

    @Test("a code replay's revocation is final against 16 racing refreshes")
    func refreshRacingReplay() async throws {
        try await TestEmulator.run { emulator in
            let survivors = try await Self.trials(Self.replayTrials, emulator) { grant in
                let replay = try await TokenTests.exchange(emulator, code: grant.code)
                return replay.status == 400 && replay.json["error_description"] as? String == "authorization code has already been used"
            }
            #expect(survivors == Survivors(), "tokens still working after a code replay revoked the grant")
        }
    }

    /// Runs `count` trials: a fresh login, then its grant's refreshes racing `revocation`, which answers whether it
    /// was acknowledged (each must be); then counts what still works.
    static func trials(
        _ count: Int,
        _ emulator: TestEmulator,
        flow: Flow = .v2_1,
        revocation: @escaping @Sendable (Grant) async throws -> Bool
    ) async throws -> Survivors {
        var survivors = Survivors()
        for _ in 0..<count {
            let grant = try await Grant.login(emulator, flow: flow)
            let (issued, acknowledged) = try await Self.race(emulator, flow: flow, refreshing: grant.refreshToken) {
                try await revocation(grant)
            }
            try #require(acknowledged, "the revocation was not acknowledged")
            survivors.add(
                try await Self.survivors(
                    emulator,
                    flow: flow,
                    accessTokens: [grant.accessToken] + issued.map(\.access),
                    refreshTokens: [grant.refreshToken] + issued.map(\.refresh)
                )
            )
        }
        return survivors
    }

    @Test("a deauthorize answered 204 is final against racing refreshes and a racing code exchange")
    func refreshAndExchangeRacingDeauthorize() async throws {
        try await TestEmulator.run { emulator in
            let channelToken = try await UserAPITests.channelToken(emulator)
            var survivors = Survivors()
            for _ in 0..<Self.deauthorizeTrials {
                let grant = try await Grant.login(emulator)
                let pendingCode = try await Fixture.code(emulator)
                let exchange = Task { try await TokenTests.exchange(emulator, code: pendingCode) }
                let (issued, acknowledged) = try await Self.race(emulator, refreshing: grant.refreshToken) {
                    let deauthorize = try await RawHTTP(emulator).postJSON(
                        "/user/v1/deauthorize",
                        ["userAccessToken": grant.accessToken],
                        bearer: channelToken
                    )
                    return deauthorize.status == 204
                }
                let exchanged = try await exchange.value
                try #require(acknowledged, "the deauthorize was not acknowledged")
                var accessTokens = [grant.accessToken] + issued.map(\.access)
                var refreshTokens = [grant.refreshToken]
                if exchanged.status == 200 {
                    accessTokens.append(try #require(exchanged.json["access_token"] as? String))
                    refreshTokens.append(try #require(exchanged.json["refresh_token"] as? String))
                }
                survivors.add(try await Self.survivors(emulator, accessTokens: accessTokens, refreshTokens: refreshTokens))
            }
            #expect(survivors == Survivors(), "tokens still working after an acknowledged deauthorize")
        }
    }

    /// Trials in which some token of a revoked grant still worked, and how many such tokens there were in all.
    struct Survivors: Equatable {
        var trials = 0
        var tokens = 0

        mutating func add(_ count: Int) {
            if count > 0 { trials += 1 }
            tokens += count
        }
    }

    /// The endpoints of one LINE Login version: log in (code and token response), refresh, verify an access token.
    struct Flow: Sendable {
        var code: @Sendable (TestEmulator) async throws -> String
        var exchange: @Sendable (TestEmulator, String) async throws -> RawResponse
        var refresh: @Sendable (TestEmulator, String) async throws -> RawResponse
        var verify: @Sendable (TestEmulator, String) async throws -> RawResponse

        static let v2_1 = Flow(
            code: { try await Fixture.code($0) },
            exchange: { try await TokenTests.exchange($0, code: $1) },
            refresh: { try await TokenTests.refresh($0, $1) },
            verify: { try await RawHTTP($0).get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode($1)) }
        )
        /// v2.0 rotates the refresh token on every refresh.
        static let v2_0 = Flow(
            code: { try await V2Tests.code($0) },
            exchange: { try await V2Tests.exchange($0, code: $1) },
            refresh: { try await RawHTTP($0).postForm("/v2/oauth/accessToken", V2Tests.refreshFields($1)) },
            verify: { try await RawHTTP($0).postForm("/v2/oauth/verify", [("access_token", $1)]) }
        )
    }

    /// A login's code, first access token and refresh token.
    struct Grant {
        var code: String
        var accessToken: String
        var refreshToken: String

        static func login(_ emulator: TestEmulator, flow: Flow = .v2_1) async throws -> Grant {
            let code = try await flow.code(emulator)
            let response = try await flow.exchange(emulator, code)
            try #require(response.status == 200, "\(response.text)")
            return Grant(
                code: code,
                accessToken: try #require(response.json["access_token"] as? String),
                refreshToken: try #require(response.json["refresh_token"] as? String)
            )
        }
    }

    /// Runs ``racingRefreshes`` refreshes of `refreshToken` concurrently with `revocation`; returns the (access,
    /// refresh) tokens the refreshes were given and whether the revocation was acknowledged.
    static func race(
        _ emulator: TestEmulator,
        flow: Flow = .v2_1,
        refreshing refreshToken: String,
        revocation: @escaping @Sendable () async throws -> Bool
    ) async throws -> (issued: [(access: String, refresh: String)], acknowledged: Bool) {
        enum Outcome: Sendable {
            case refreshed((access: String, refresh: String)?)
            case revocation(acknowledged: Bool)
        }
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0...Self.racingRefreshes {
                if index == Self.racingRefreshes / 2 {
                    group.addTask { .revocation(acknowledged: try await revocation()) }
                } else {
                    group.addTask {
                        let response = try await flow.refresh(emulator, refreshToken)
                        guard response.status == 200,
                            let access = response.json["access_token"] as? String,
                            let refresh = response.json["refresh_token"] as? String
                        else { return .refreshed(nil) }
                        return .refreshed((access, refresh))
                    }
                }
            }
            var issued: [(access: String, refresh: String)] = []
            var acknowledged = false
            for try await outcome in group {
                switch outcome {
                case .refreshed(let token?): issued.append(token)
                case .refreshed(nil): break
                case .revocation(let answer): acknowledged = answer
                }
            }
            return (issued, acknowledged)
        }
    }

    /// How many of the tokens still work: access tokens that verify, refresh tokens that refresh.
    static func survivors(
        _ emulator: TestEmulator,
        flow: Flow = .v2_1,
        accessTokens: [String],
        refreshTokens: [String]
    ) async throws -> Int {
        var survivors = 0
        for accessToken in Set(accessTokens) where try await flow.verify(emulator, accessToken).status != 400 {
            survivors += 1
        }
        for refreshToken in Set(refreshTokens) where try await flow.refresh(emulator, refreshToken).status != 400 {
            survivors += 1
        }
        return survivors
    }
}
