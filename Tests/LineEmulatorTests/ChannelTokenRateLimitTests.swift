import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Rate limits of the channel token endpoints (LINE's other endpoints: 2,000 requests/s per channel)")
struct ChannelTokenRateLimitTests {
    static let bot = Seed.messagingChannel

    @Test(
        "LINE's defaults: 2,000/s for v2.1 and stateless issue, verify, revoke and tokens/kid; 370/s for short-lived issue; 200/s for multicast; 60/h for broadcast and narrowcast"
    )
    func defaults() async throws {
        try await TestEmulator.run { emulator in
            let limits = try await RawHTTP(emulator).get("/_emulator/v1/rate-limits")
            #expect(
                limits.text
                    == #"{"broadcast":0.016666666666666666,"channelTokenRevoke":2000,"channelTokenVerify":2000,"jwtIssue":2000,"keyIDs":2000,"multicast":200,"narrowcast":0.016666666666666666,"push":2000,"shortLivedIssue":370,"statelessIssue":2000}"#
            )
        }
    }

    @Test("each endpoint answers 429 with LINE's message once the channel's rate is used up")
    func limited() async throws {
        try await TestEmulator.run(configure: { configuration in
            for endpoint in [RateLimiter.Endpoint.statelessIssue, .channelTokenVerify, .channelTokenRevoke, .keyIDs, .jwtIssue] {
                configuration.rateLimits[endpoint] = 0.01
            }
        }) { emulator in
            let http = RawHTTP(emulator)
            func twice(_ request: () async throws -> RawResponse) async throws {
                #expect(try await request().status == 200)
                let limited = try await request()
                #expect(limited.status == 429)
                #expect(limited.text == #"{"message":"The API rate limit has been exceeded. Try again later."}"#)
            }
            let secret = [
                ("grant_type", "client_credentials"), ("client_id", Self.bot.channelID), ("client_secret", Self.bot.channelSecret),
            ]
            try await twice { try await http.postForm("/oauth2/v3/token", secret) }

            let shortLived = try #require(try await ChannelTokenTests.issueShortLived(emulator).json["access_token"] as? String)
            try await twice { try await http.postForm("/v2/oauth/verify", [("access_token", shortLived)]) }
            let another = try #require(try await ChannelTokenTests.issueShortLived(emulator).json["access_token"] as? String)
            try await twice { try await http.postForm("/v2/oauth/revoke", [("access_token", another)]) }

            let signer = try await AssertionSigner.register(emulator)
            try await twice { try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now)) }
            try await twice {
                try await http.get(
                    "/oauth2/v2.1/tokens/kid?"
                        + RawHTTP.query([
                            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                            ("client_assertion", try signer.assertion(now: emulator.clock.now)),
                        ])
                )
            }
        }
    }

    @Test("the admin API changes every one of them, and names them when it does not know one")
    func adminAPI() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let changed = try await http.send(
                .PUT,
                "/_emulator/v1/rate-limits",
                headers: [("Content-Type", "application/json")],
                body: Data(#"{"keyIDs":5,"statelessIssue":null}"#.utf8)
            )
            #expect(changed.status == 200)
            #expect(changed.json["keyIDs"] as? Double == 5)
            #expect(changed.json["statelessIssue"] == nil, "unlimited")
            let unknown = try await http.send(
                .PUT,
                "/_emulator/v1/rate-limits",
                headers: [("Content-Type", "application/json")],
                body: Data(#"{"bogus":5}"#.utf8)
            )
            #expect(unknown.status == 400)
            #expect(
                unknown.json["message"] as? String
                    == "unknown endpoint bogus; known: push, shortLivedIssue, jwtIssue, statelessIssue, channelTokenVerify, channelTokenRevoke, keyIDs, multicast, broadcast, narrowcast"
            )
        }
    }
}
