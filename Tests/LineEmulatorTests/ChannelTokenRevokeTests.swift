import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

@Suite("POST /oauth2/v2.1/revoke of channel access tokens")
struct ChannelTokenRevokeTests {
    static let bot = Seed.messagingChannel

    static func revoke(_ emulator: TestEmulator, _ token: String) async throws -> RawResponse {
        try await RawHTTP(emulator).postForm(
            "/oauth2/v2.1/revoke",
            [("client_id", Self.bot.channelID), ("client_secret", Self.bot.channelSecret), ("access_token", token)]
        )
    }

    @Test(
        "an unknown v2.1 channel access token is 200 with an empty body: no error for an invalid token",
        arguments: ["eyJhbGciOiJSUzI1NiJ9.eyJjaG4iOiIxIn0.c2lnbmF0dXJl", "eyJ4IjoxfQ.eyJ5IjoyfQ.AAAA"]
    )
    func unknown(token: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.revoke(emulator, token)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.body.isEmpty)
        }
    }

    @Test("an expired or already revoked v2.1 token is 200 too")
    func expiredAndRevoked() async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            let issued = try await signer.issue(
                emulator,
                assertion: try signer.assertion(now: emulator.clock.now, claims: ["token_exp": 60])
            )
            let token = try #require(issued.json["access_token"] as? String)
            emulator.clock.advance(by: 120)
            let expired = try await Self.revoke(emulator, token)
            #expect(expired.status == 200)
            #expect(expired.body.isEmpty)
            #expect(try await Self.revoke(emulator, token).status == 200)
        }
    }

    @Test("a token that is not a JWS at all is LINE's invalid_request", arguments: ["not-a-token", "a.b", "abc.def.g!h"])
    func notJWS(token: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.revoke(emulator, token)
            #expect(response.status == 400)
            #expect(response.text == #"{"error":"invalid_request","error_description":"The access token not JWS"}"#)
        }
    }

    @Test("a short-lived channel token is not revoked here (it belongs to /v2/oauth/revoke), and the answer is still 200")
    func shortLivedNotRevoked() async throws {
        try await TestEmulator.run { emulator in
            let token = try #require(try await ChannelTokenTests.issueShortLived(emulator).json["access_token"] as? String)
            let response = try await Self.revoke(emulator, token)
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            let verify = try await RawHTTP(emulator).postForm("/v2/oauth/verify", [("access_token", token)])
            #expect(verify.status == 200, "still valid: \(verify.text)")
            #expect(try await PushTests.push(emulator, token: token, to: Fixture.brown.userID, text: "still works").status == 200)
        }
    }
}
