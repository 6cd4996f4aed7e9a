import Crypto
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineLogin
import Testing

@Suite("LineLogin: JWT response modes (JARM)")
struct ResponseJWTTests {
    static let channel = Seed.webChannel
    static let client = LineLoginClient(configuration: .web(channelID: channel.channelID, channelSecret: channel.channelSecret))
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let pending = PendingAuthorization(
        version: .v2_1,
        state: "S",
        nonce: nil,
        codeVerifier: nil,
        redirectURI: "https://e.x/cb",
        scopes: [.profile],
        maxAge: nil,
        createdAt: now,
        responseMode: .queryJWT
    )

    /// A `response` JWT as LINE's documented example: header `{"typ":"JWT","alg":"HS256"}`.
    static func response(
        _ claims: [String: Any],
        secret: String = channel.channelSecret,
        header: String = #"{"typ":"JWT","alg":"HS256"}"#
    ) throws -> String {
        var all: [String: Any] = ["iss": "https://access.line.me", "aud": channel.channelID, "exp": Int(now.timeIntervalSince1970) + 600]
        for (name, value) in claims { all[name] = value is NSNull ? nil : value }
        let input =
            Base64URL.encode(Data(header.utf8)) + "."
            + Base64URL.encode(try JSONSerialization.data(withJSONObject: all, options: .sortedKeys))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + Base64URL.encode(Data(mac))
    }

    static func handle(_ jwt: String?, pending: PendingAuthorization = pending) async -> CallbackOutcome {
        await client.handleCallback(pathAndQuery: "/cb?" + (jwt.map { "response=" + $0 } ?? "code=abc&state=S"), pending: pending, now: now)
    }

    @Test("a valid response JWT yields its code and state, checked against the pending state")
    func valid() async throws {
        #expect(
            await Self.handle(try Self.response(["code": "abc", "state": "S"])) == .authorized(code: "abc", friendshipStatusChanged: nil)
        )
        #expect(await Self.handle(try Self.response(["code": "abc", "state": "T"])) == .stateMismatch)
        #expect(
            await Self.handle(try Self.response(["error": "ACCESS_DENIED", "error_description": "No.", "state": "S"]))
                == .denied(description: "No.")
        )
    }

    @Test(
        "a forged, misdirected, expired or missing response JWT is refused",
        arguments: [
            (["code": "abc", "state": "S", "iss": "https://evil.example"], IDTokenFailure.wrongIssuer),
            (["code": "abc", "state": "S", "aud": "1111111111"], .wrongAudience),
            (["code": "abc", "state": "S", "exp": 1_800_000_000 - 301], .expired),
            (["code": "abc", "state": "S", "exp": NSNull()], .malformed),
        ] as [([String: any Sendable], IDTokenFailure)]
    )
    func refused(claims: [String: any Sendable], failure: IDTokenFailure) async throws {
        #expect(await Self.handle(try Self.response(claims)) == .invalidResponseJWT(failure))
    }

    @Test("the signature must be HS256 with this channel's secret; a plain callback is refused when a JWT mode was asked")
    func signatureAndDowngrade() async throws {
        let claims = ["code": "abc", "state": "S"]
        #expect(await Self.handle(try Self.response(claims, secret: "another secret")) == .invalidResponseJWT(.badSignature))
        #expect(await Self.handle(try Self.response(claims, header: #"{"alg":"none"}"#)) == .invalidResponseJWT(.unexpectedAlgorithm))
        #expect(await Self.handle("not.a.jwt") == .invalidResponseJWT(.malformed))
        #expect(await Self.handle(nil) == .invalidResponseJWT(.malformed), "query.jwt was asked, a plain code arrived")
        var plain = Self.pending
        plain.responseMode = nil
        #expect(await Self.handle(nil, pending: plain) == .authorized(code: "abc", friendshipStatusChanged: nil))
    }

    @Test("against the emulator: query.jwt and jwt logins end in a code that exchanges for tokens")
    func emulator() async throws {
        try await TestEmulator.run { emulator in
            let login = LoginIntegrationTests.client(emulator)
            for mode in [ResponseMode.queryJWT, .jwt] {
                let (code, pending) = try await LoginIntegrationTests.authorize(
                    emulator,
                    login,
                    options: AuthorizationOptions(responseMode: mode)
                )
                #expect(pending.responseMode == mode)
                #expect(try await login.exchange(code: code, pending: pending).value.idToken != nil)
            }
        }
    }
}
