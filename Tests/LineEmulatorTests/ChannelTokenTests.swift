import CryptoExtras
import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Channel access tokens")
struct ChannelTokenTests {
    static let bot = Seed.messagingChannel

    // MARK: Assertion keys

    @Test("registering a public JWK returns a kid; keys LINE's console refuses are refused")
    func registerKey() async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            #expect(signer.keyID.count == 36)
            let http = RawHTTP(emulator)
            let path = "/_emulator/v1/channels/\(Self.bot.channelID)/keys"
            var jwk = try AssertionSigner.publicJWK(of: signer.privateKey)
            jwk["kid"] = "mine"
            #expect(try await http.postJSON(path, jwk).status == 400)
            jwk["kid"] = nil
            jwk["use"] = nil
            #expect(try await http.postJSON(path, jwk).status == 400, "needs use: sig or key_ops: [verify]")
            jwk["key_ops"] = ["verify"]
            #expect(try await http.postJSON(path, jwk).status == 201)
            jwk["kty"] = "EC"
            #expect(try await http.postJSON(path, jwk).status == 400)
            jwk["kty"] = "RSA"
            jwk["n"] = Fixture.base64URL(Data(repeating: 0xC5, count: 128))
            let small = try await http.postJSON(path, jwk)
            #expect(small.status == 400)
            #expect((small.json["message"] as? String)?.contains("2048") == true)
            #expect(
                try await http.postJSON("/_emulator/v1/channels/1111111111/keys", try AssertionSigner.publicJWK(of: signer.privateKey))
                    .status == 404
            )
            let listed = try await http.get(path)
            #expect((listed.json["keys"] as? [[String: Any]])?.count == 2)
        }
    }

    // MARK: v2.1

    @Test("v2.1: issue by JWT, verify, list key IDs, revoke")
    func jwtLifecycle() async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            let http = RawHTTP(emulator)
            let issued = try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now))
            #expect(issued.status == 200, "\(issued.text)")
            #expect(Set(issued.json.keys) == ["access_token", "token_type", "expires_in", "key_id"])
            #expect(issued.json["token_type"] as? String == "Bearer")
            #expect(issued.json["expires_in"] as? Int == 86400)
            let token = try #require(issued.json["access_token"] as? String)
            let keyID = try #require(issued.json["key_id"] as? String)

            let verify = try await http.get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(token))
            #expect(verify.status == 200)
            #expect(verify.json["client_id"] as? String == Self.bot.channelID)
            #expect(verify.json["expires_in"] as? Int == 86400)

            let assertion = try signer.assertion(now: emulator.clock.now)
            let kids = try await http.get(
                "/oauth2/v2.1/tokens/kid?"
                    + RawHTTP.query([
                        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                        ("client_assertion", assertion),
                    ])
            )
            #expect(kids.status == 200)
            #expect(kids.json["kids"] as? [String] == [keyID])

            let revoke = try await http.postForm(
                "/oauth2/v2.1/revoke",
                [
                    ("client_id", Self.bot.channelID), ("client_secret", Self.bot.channelSecret), ("access_token", token),
                ]
            )
            #expect(revoke.status == 200)
            #expect(revoke.body.isEmpty)
            let after = try await http.get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(token))
            #expect(after.status == 400)
            #expect(after.json["error_description"] as? String == "The access token revoked")
            let again = try await http.postForm(
                "/oauth2/v2.1/revoke",
                [
                    ("client_id", Self.bot.channelID), ("client_secret", Self.bot.channelSecret), ("access_token", token),
                ]
            )
            #expect(again.status == 200, "revoking a revoked token is not an error")
            let missing = try await http.postForm("/oauth2/v2.1/revoke", [("client_id", Self.bot.channelID), ("access_token", token)])
            #expect(missing.status == 400)
        }
    }

    @Test("v2.1: exp and token_exp may be numeric strings, as in one of LINE's own examples")
    func stringNumbers() async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            let exp = String(Int(emulator.clock.now.timeIntervalSince1970) + 600)
            let issued = try await signer.issue(
                emulator,
                assertion: try signer.assertion(now: emulator.clock.now, claims: ["exp": exp, "token_exp": "2592000"])
            )
            #expect(issued.status == 200)
            #expect(issued.json["expires_in"] as? Int == 2_592_000)
        }
    }

    struct AssertionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var error: String?
        var description: String
        var testDescription: String { name }
    }

    @Test(
        "v2.1: assertion errors",
        arguments: [
            AssertionCase(name: "expired", status: 400, error: "invalid_client", description: "Invalid exp"),
            AssertionCase(name: "exp over 30 minutes", status: 400, error: "invalid_client", description: "Invalid exp"),
            AssertionCase(name: "wrong aud", status: 400, error: "invalid_client", description: "Invalid aud"),
            AssertionCase(name: "iss is not sub", status: 400, error: "invalid_client", description: "iss and sub do not match"),
            AssertionCase(
                name: "iss of another channel",
                status: 400,
                error: "invalid_client",
                description: "iss and clientId of key do not match"
            ),
            AssertionCase(
                name: "unknown kid",
                status: 404,
                error: nil,
                description: "Cannot find channel key that satisfies the conditions"
            ),
            AssertionCase(name: "token_exp over 30 days", status: 400, error: "invalid_client", description: "Invalid token_exp"),
            AssertionCase(name: "no token_exp", status: 400, error: "invalid_client", description: "Invalid token_exp"),
            AssertionCase(name: "no typ", status: 400, error: "invalid_client", description: "Invalid typ"),
            AssertionCase(name: "typ JOSE", status: 400, error: "invalid_client", description: "Invalid typ"),
            AssertionCase(name: "bad signature", status: 400, error: "invalid_client", description: "Invalid signature"),
            AssertionCase(
                name: "wrong assertion type",
                status: 400,
                error: "invalid_request",
                description: "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ),
        ]
    )
    func assertionErrors(_ testCase: AssertionCase) async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            let now = emulator.clock.now
            let seconds = Int(now.timeIntervalSince1970)
            var assertion: String
            switch testCase.name {
            case "expired": assertion = try signer.assertion(now: now, claims: ["exp": seconds - 1])
            case "exp over 30 minutes": assertion = try signer.assertion(now: now, claims: ["exp": seconds + 1801])
            case "wrong aud": assertion = try signer.assertion(now: now, claims: ["aud": "https://api.line.me"])
            case "iss is not sub": assertion = try signer.assertion(now: now, claims: ["sub": Fixture.web.channelID])
            case "iss of another channel":
                assertion = try signer.assertion(now: now, claims: ["iss": Fixture.web.channelID, "sub": Fixture.web.channelID])
            case "unknown kid": assertion = try signer.assertion(now: now, keyID: "5f7c2a1e-0000-4000-8000-000000000000")
            case "token_exp over 30 days": assertion = try signer.assertion(now: now, claims: ["token_exp": 2_592_001])
            case "no token_exp": assertion = try signer.assertion(now: now, claims: ["token_exp": NSNull()])
            case "no typ": assertion = try signer.assertion(now: now, header: ["typ": NSNull()])
            case "typ JOSE": assertion = try signer.assertion(now: now, header: ["typ": "JOSE"])
            case "bad signature":
                let other = AssertionSigner(privateKey: try .init(keySize: .bits2048), keyID: signer.keyID, channelID: signer.channelID)
                assertion = try other.assertion(now: now)
            default: assertion = try signer.assertion(now: now)
            }
            let response: RawResponse
            if testCase.name == "wrong assertion type" {
                response = try await RawHTTP(emulator).postForm(
                    "/oauth2/v2.1/token",
                    [
                        ("grant_type", "client_credentials"), ("client_assertion_type", "jwt"), ("client_assertion", assertion),
                    ]
                )
            } else {
                response = try await signer.issue(emulator, assertion: assertion)
            }
            #expect(response.status == testCase.status)
            if let error = testCase.error {
                #expect(response.json["error"] as? String == error)
                #expect(response.json["error_description"] as? String == testCase.description)
            } else {
                #expect(response.json["message"] as? String == testCase.description)
            }
        }
    }

    @Test("v2.1: 30 valid tokens per channel; the 31st is refused until one is revoked or expires")
    func jwtCap() async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            var tokens: [String] = []
            for _ in 0..<30 {
                let response = try await signer.issue(
                    emulator,
                    assertion: try signer.assertion(now: emulator.clock.now, claims: ["token_exp": 3600])
                )
                try #require(response.status == 200)
                tokens.append(try #require(response.json["access_token"] as? String))
            }
            let refused = try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now))
            #expect(refused.status == 400)
            #expect(refused.json["message"] as? String == "The maximum number of access tokens has already been issued")

            _ = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/revoke",
                [
                    ("client_id", Self.bot.channelID), ("client_secret", Self.bot.channelSecret), ("access_token", tokens[0]),
                ]
            )
            #expect(try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now)).status == 200)
            #expect(try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now)).status == 400)
            emulator.clock.advance(by: 3601)
            #expect(
                try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now)).status == 200,
                "expired tokens do not count"
            )
        }
    }

    // MARK: Short-lived

    @Test("short-lived: issue, verify, revoke")
    func shortLived() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let issued = try await Self.issueShortLived(emulator)
            #expect(issued.status == 200)
            #expect(Set(issued.json.keys) == ["access_token", "expires_in", "token_type"])
            #expect(issued.json["expires_in"] as? Int == 2_592_000)
            let token = try #require(issued.json["access_token"] as? String)
            let verify = try await http.postForm("/v2/oauth/verify", [("access_token", token)])
            #expect(verify.status == 200)
            #expect(verify.json["client_id"] as? String == Self.bot.channelID)
            #expect(verify.json["expires_in"] as? Int == 2_592_000)
            let revoke = try await http.postForm("/v2/oauth/revoke", [("access_token", token)])
            #expect(revoke.status == 200)
            #expect(revoke.body.isEmpty)
            let after = try await http.postForm("/v2/oauth/verify", [("access_token", token)])
            #expect(after.status == 400)
            #expect(after.json["error_description"] as? String == "access_token invalid")
            let malformed = try await http.postForm("/v2/oauth/revoke", [("access_token", "not a token")])
            #expect(malformed.status == 400)
            #expect(malformed.json["error"] as? String == "invalid_request")
            #expect(try await http.postForm("/v2/oauth/revoke", [("access_token", "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln")]).status == 200)
        }
    }

    @Test("short-lived: the 31st token revokes the oldest")
    func shortLivedCap() async throws {
        try await TestEmulator.run { emulator in
            var tokens: [String] = []
            for _ in 0..<31 {
                let response = try await Self.issueShortLived(emulator)
                try #require(response.status == 200)
                tokens.append(try #require(response.json["access_token"] as? String))
            }
            let http = RawHTTP(emulator)
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", tokens[0])]).status == 400, "the oldest was revoked")
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", tokens[1])]).status == 200)
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", tokens[30])]).status == 200)
        }
    }

    @Test("short-lived: a wrong secret is invalid_client; missing fields are invalid_request")
    func shortLivedErrors() async throws {
        try await TestEmulator.run { emulator in
            let wrong = try await Self.issueShortLived(emulator, secret: String(repeating: "0", count: 32))
            #expect(wrong.status == 400)
            #expect(wrong.json["error"] as? String == "invalid_client")
            #expect(wrong.json["error_description"] as? String == "invalid client_secret")
            let unknown = try await RawHTTP(emulator).postForm(
                "/v2/oauth/accessToken",
                [
                    ("grant_type", "client_credentials"), ("client_id", "1111111111"), ("client_secret", Self.bot.channelSecret),
                ]
            )
            #expect(unknown.json["error_description"] as? String == "invalid client_id")
            let missing = try await RawHTTP(emulator).postForm("/v2/oauth/accessToken", [("grant_type", "client_credentials")])
            #expect(missing.json["error"] as? String == "invalid_request")
        }
    }

    @Test("short-lived issuing is rate limited per channel with LINE's 429 body")
    func rateLimit() async throws {
        // One request per 100 seconds: the bucket holds one, so the second request is refused whatever the timing.
        try await TestEmulator.run(configure: { $0.rateLimits = [.shortLivedIssue: 0.01] }) { emulator in
            #expect(try await Self.issueShortLived(emulator).status == 200)
            let limited = try await Self.issueShortLived(emulator)
            #expect(limited.status == 429)
            #expect(limited.json["message"] as? String == "The API rate limit has been exceeded. Try again later.")
            let otherChannel = try await Self.issueShortLived(emulator, channel: Fixture.web)
            #expect(otherChannel.status == 200, "buckets are per channel")
            let raised = try await RawHTTP(emulator).send(
                .PUT,
                "/_emulator/v1/rate-limits",
                headers: [("Content-Type", "application/json")],
                body: Data(#"{"shortLivedIssue":null}"#.utf8)
            )
            #expect(raised.status == 200)
            #expect(try await Self.issueShortLived(emulator).status == 200)
        }
    }

    // MARK: Stateless

    @Test("stateless: by secret and by JWT; 900 seconds; not revocable")
    func stateless() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let bySecret = try await http.postForm(
                "/oauth2/v3/token",
                [
                    ("grant_type", "client_credentials"), ("client_id", Self.bot.channelID), ("client_secret", Self.bot.channelSecret),
                    ("client_assertion_type", ""), ("client_assertion", ""),
                ]
            )
            #expect(bySecret.status == 200, "\(bySecret.text)")
            #expect(Set(bySecret.json.keys) == ["access_token", "expires_in", "token_type"])
            #expect(bySecret.json["expires_in"] as? Int == 900)
            let token = try #require(bySecret.json["access_token"] as? String)

            let signer = try await AssertionSigner.register(emulator)
            let byJWT = try await http.postForm(
                "/oauth2/v3/token",
                [
                    ("grant_type", "client_credentials"),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", try signer.assertion(now: emulator.clock.now)),
                ]
            )
            #expect(byJWT.status == 200)

            let wrong = try await http.postForm(
                "/oauth2/v3/token",
                [
                    ("grant_type", "client_credentials"), ("client_id", Self.bot.channelID), ("client_secret", "x"),
                ]
            )
            #expect(wrong.status == 400)
            #expect(wrong.json["error"] as? String == "invalid_request")
            #expect(wrong.json["error_description"] as? String == "Invalid 'client_credentials'.")

            let push = { try await PushTests.push(emulator, token: token, to: Fixture.brown.userID, text: "hi") }
            #expect(try await push().status == 200)
            #expect(try await http.postForm("/v2/oauth/revoke", [("access_token", token)]).status == 200)
            #expect(try await push().status == 200, "stateless tokens cannot be revoked")
            emulator.clock.advance(by: 900)
            #expect(try await push().status == 401, "15 minutes")
        }
    }

    // MARK: Deauthorize with LINE-issued channel tokens

    @Test("deauthorize accepts v2.1 and stateless tokens of the login channel, and refuses short-lived ones")
    func deauthorizeTokenKinds() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let signer = try await AssertionSigner.register(emulator, channelID: Fixture.web.channelID)
            let jwtToken = try #require(
                try await signer.issue(emulator, assertion: try signer.assertion(now: emulator.clock.now)).json["access_token"] as? String
            )
            let stateless = try #require(
                try await http.postForm(
                    "/oauth2/v3/token",
                    [
                        ("grant_type", "client_credentials"), ("client_id", Fixture.web.channelID),
                        ("client_secret", Fixture.web.channelSecret),
                    ]
                ).json["access_token"] as? String
            )
            let shortLived = try #require(try await Self.issueShortLived(emulator, channel: Fixture.web).json["access_token"] as? String)

            let first = try #require(try await Fixture.login(emulator, user: Fixture.brown)["access_token"] as? String)
            #expect(try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": first], bearer: shortLived).status == 401)
            #expect(try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": first], bearer: jwtToken).status == 204)
            let second = try #require(try await Fixture.login(emulator, user: Fixture.cony)["access_token"] as? String)
            #expect(try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": second], bearer: stateless).status == 204)
        }
    }

    static func issueShortLived(_ emulator: TestEmulator, channel: Channel = bot, secret: String? = nil) async throws -> RawResponse {
        try await RawHTTP(emulator).postForm(
            "/v2/oauth/accessToken",
            [
                ("grant_type", "client_credentials"), ("client_id", channel.channelID), ("client_secret", secret ?? channel.channelSecret),
            ]
        )
    }
}
