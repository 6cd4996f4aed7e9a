import Crypto
import Foundation
import HTTPTypes
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineLogin
import Logging
import Testing

@Suite("LineLogin against the emulator")
struct LoginIntegrationTests {
    static let brown = Seed.defaultUsers[0]

    static func client(_ emulator: TestEmulator, channel: Channel = Seed.webChannel, secret: Bool = true) -> LineLoginClient {
        let api = LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL)))
        return LineLoginClient(
            configuration: secret
                ? .web(channelID: channel.channelID, channelSecret: channel.channelSecret, api: api)
                : .native(channelID: channel.channelID, api: api)
        )
    }

    /// Redirect, consent as Brown, callback: the code and the pending authorization.
    static func authorize(
        _ emulator: TestEmulator,
        _ login: LineLoginClient,
        redirectURI: String = "http://127.0.0.1:8080/callback",
        scopes: [Scope] = [.profile, .openid, .email],
        options: AuthorizationOptions = AuthorizationOptions()
    ) async throws -> (code: String, pending: PendingAuthorization) {
        let redirect = try login.authorizationRedirect(redirectURI: redirectURI, scopes: scopes, options: options)
        let callback = try await emulator.authorize(redirect.url, choice: .allow(userID: brown.userID))
        let outcome = await login.handleCallback(pathAndQuery: callback.path + "?" + (callback.query ?? ""), pending: redirect.pending)
        guard case .authorized(let code, _) = outcome else {
            Issue.record("unexpected callback \(outcome)")
            throw CancellationError()
        }
        return (code, redirect.pending)
    }

    @Test("web channel: the whole flow with PKCE, HS256 ID token, refresh, verify, profile, userinfo, friendship, revoke")
    func webFlow() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.client(emulator)
            let (code, pending) = try await Self.authorize(emulator, login)
            let tokens = try await login.exchange(code: code, pending: pending)
            #expect(tokens.requestID?.count == 16)
            let idToken = try #require(tokens.value.idToken)
            let claims = try await login.verifyIDToken(idToken, expecting: IDTokenExpectations(pending: pending))
            #expect(claims.subject == Self.brown.userID)
            #expect(claims.email == "brown@example.com")
            #expect(claims.expiresAt > claims.issuedAt && claims.issuer == "https://access.line.me")
            let remote = try await login.verifyIDTokenRemotely(idToken, nonce: pending.nonce).value
            // The remote answer goes through a plain JSONDecoder: the times still read as seconds since 1970.
            #expect(remote.subject == Self.brown.userID && remote.expiresAt == claims.expiresAt && remote.issuedAt == claims.issuedAt)

            let accessToken = tokens.value.accessToken
            #expect(try await login.verify(accessToken: accessToken).value.clientID == Seed.webChannel.channelID)
            #expect(try await login.profile(accessToken: accessToken).value.displayName == "Brown")
            #expect(try await login.userInfo(accessToken: accessToken).value.userID == Self.brown.userID)
            #expect(try await login.friendship(accessToken: accessToken).value == true)

            let refreshed = try await login.refresh(tokens.value.refreshToken)
            #expect(refreshed.value.refreshToken == tokens.value.refreshToken)
            #expect(refreshed.value.idToken == nil)

            try await login.revoke(accessToken: refreshed.value.accessToken)
            let error = await #expect(throws: LineAPIError.self) { try await login.verify(accessToken: refreshed.value.accessToken) }
            #expect(error?.errorDescription == "The access token revoked")
            #expect(error?.requestID?.count == 16)
        }
    }

    @Test("native channel: PKCE without a secret, ES256 ID token verified through the JWKS")
    func nativeFlow() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.client(emulator, channel: Seed.nativeChannel, secret: false)
            let (code, pending) = try await Self.authorize(
                emulator,
                login,
                redirectURI: "http://127.0.0.1:8080/native/callback",
                scopes: [.profile, .openid]
            )
            let tokens = try await login.exchange(code: code, pending: pending)
            let claims = try await login.verifyIDToken(try #require(tokens.value.idToken), expecting: IDTokenExpectations(pending: pending))
            #expect(claims.subject == Self.brown.userID)
            #expect(claims.name == "Brown")
            await #expect(throws: LoginError.invalidIDToken(.unexpectedAlgorithm)) {
                try await login.verifyIDToken(
                    try #require(tokens.value.idToken),
                    expecting: IDTokenExpectations(pending: pending),
                    algorithms: [.hs256]
                )
            }
        }
    }

    @Test("documented errors reach the caller as LineAPIError: a replayed code, a wrong verifier, a denied login")
    func errors() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.client(emulator)
            let (code, pending) = try await Self.authorize(emulator, login)
            _ = try await login.exchange(code: code, pending: pending)
            let replay = await #expect(throws: LineAPIError.self) { try await login.exchange(code: code, pending: pending) }
            #expect(replay?.error == "invalid_grant")
            #expect(replay?.requestID != nil)

            let (second, secondPending) = try await Self.authorize(emulator, login)
            var wrong = secondPending
            wrong.codeVerifier = String(repeating: "x", count: 43)
            let mismatch = await #expect(throws: LineAPIError.self) { try await login.exchange(code: second, pending: wrong) }
            #expect(mismatch?.errorDescription == "code_verifier does not match the code_challenge")

            let redirect = try login.authorizationRedirect(redirectURI: "http://127.0.0.1:8080/callback", scopes: [.profile])
            let callback = try await emulator.authorize(redirect.url, choice: .cancel)
            #expect(
                Callback.parse(callback.query ?? "", expecting: redirect.pending)
                    == .denied(description: "The resource owner denied the request.")
            )
        }
    }

    @Test("unregister: deauthorizes with a channel token, then reports the second call as already done")
    func unregister() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.client(emulator)
            let (code, pending) = try await Self.authorize(emulator, login)
            let tokens = try await login.exchange(code: code, pending: pending)
            let channelToken = try await LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL))).send(
                LineHTTPRequest(
                    method: .post,
                    url: emulator.baseURL.appending(path: "_emulator/v1/channels/2000000001/tokens"),
                    headers: [.contentType: "application/json"]
                ),
                idempotent: false
            )
            struct Minted: Decodable { var access_token: String }
            let token = try JSONDecoder().decode(Minted.self, from: channelToken.body).access_token
            guard
                case .deauthorized(let requestID) = try await login.unregister(
                    userAccessToken: tokens.value.accessToken,
                    channelAccessToken: token
                )
            else {
                Issue.record("expected deauthorized")
                return
            }
            #expect(requestID?.count == 16)
            guard
                case .alreadyDeauthorized(let again) = try await login.unregister(
                    userAccessToken: tokens.value.accessToken,
                    channelAccessToken: token
                )
            else {
                Issue.record("expected alreadyDeauthorized")
                return
            }
            #expect(again?.count == 16)
            await #expect(throws: LineAPIError.self) { try await login.profile(accessToken: tokens.value.accessToken) }
        }
    }

    @Test("LINE Login v2.0: URL, exchange, refresh, revoke")
    func v2() async throws {
        try await TestEmulator.run { emulator in
            let login = Self.client(emulator)
            let redirect = login.authorizationRedirectV2(redirectURI: "http://127.0.0.1:8080/callback")
            let callback = try await emulator.authorize(redirect.url, choice: .allow(userID: Self.brown.userID))
            guard case .authorized(let code, _) = Callback.parse(callback.query ?? "", expecting: redirect.pending) else {
                Issue.record("no code")
                return
            }
            let tokens = try await login.exchange(code: code, pending: redirect.pending)
            #expect(tokens.value.scope == "P")
            let refreshed = try await login.refresh(tokens.value.refreshToken, version: .v2_0)
            #expect(refreshed.value.refreshToken != tokens.value.refreshToken, "v2.0 refresh gives a new refresh token")
            try await login.revokeV2(refreshToken: refreshed.value.refreshToken)
            await #expect(throws: LineAPIError.self) { try await login.profile(accessToken: refreshed.value.accessToken) }
        }
    }
}
