import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Verify and revoke (v2.1)")
struct VerifyRevokeTests {
    @Test("GET /oauth2/v2.1/verify answers scope, client_id and the remaining seconds")
    func verifyAccessToken() async throws {
        try await TestEmulator.run { emulator in
            let accessToken = try #require(try await Fixture.login(emulator, scope: "profile openid email")["access_token"] as? String)
            emulator.clock.advance(by: 100)
            let response = try await Self.verify(emulator, accessToken)
            #expect(response.status == 200)
            #expect(response.json["scope"] as? String == "profile openid")
            #expect(response.json["client_id"] as? String == Fixture.web.channelID)
            #expect(response.json["expires_in"] as? Int == 2_592_000 - 100)
        }
    }

    @Test("GET /oauth2/v2.1/verify errors: not JWS, expired, revoked, unknown, missing")
    func verifyErrors() async throws {
        try await TestEmulator.run { emulator in
            let notJWS = try await Self.verify(emulator, "bNl4YEFPI/hjFWhTqexp4MuEw5YPs")
            #expect(notJWS.status == 400)
            #expect(notJWS.json["error"] as? String == "invalid_request")
            #expect(notJWS.json["error_description"] as? String == "The access token not JWS")

            let unknown = try await Self.verify(emulator, "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln")
            #expect(unknown.json["error_description"] as? String == "The access token malformed")

            let missing = try await RawHTTP(emulator).get("/oauth2/v2.1/verify")
            #expect(missing.status == 400)
            #expect(missing.json["error"] as? String == "invalid_request")

            let login = try await Fixture.login(emulator)
            let accessToken = try #require(login["access_token"] as? String)
            emulator.clock.advance(by: 2_592_000)
            let expired = try await Self.verify(emulator, accessToken)
            #expect(expired.json["error_description"] as? String == "The access token expired")

            let fresh = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            #expect(try await Self.revoke(emulator, fresh).status == 200)
            let revoked = try await Self.verify(emulator, fresh)
            #expect(revoked.json["error_description"] as? String == "The access token revoked")
        }
    }

    @Test("POST /oauth2/v2.1/revoke: 200 with an empty body, also for unknown tokens; the grant's refresh token dies too")
    func revoke() async throws {
        try await TestEmulator.run { emulator in
            let login = try await Fixture.login(emulator)
            let response = try await Self.revoke(emulator, try #require(login["access_token"] as? String))
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(try await Self.revoke(emulator, "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln").status == 200)
            let refresh = try await TokenTests.refresh(emulator, try #require(login["refresh_token"] as? String))
            #expect(refresh.json["error_description"] as? String == "invalid refresh token")
        }
    }

    @Test("revoke needs the client_secret of a web channel, and refuses another channel's token")
    func revokeErrors() async throws {
        try await TestEmulator.run { emulator in
            let accessToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            let noSecret = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/revoke",
                [("access_token", accessToken), ("client_id", Fixture.web.channelID)]
            )
            #expect(noSecret.status == 400)
            #expect(noSecret.json["error"] as? String == "invalid_client")
            let otherChannel = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/revoke",
                [("access_token", accessToken), ("client_id", Fixture.native.channelID)]
            )
            #expect(otherChannel.status == 400)
            #expect(otherChannel.json["error"] as? String == "invalid_request")
            #expect(try await Self.verify(emulator, accessToken).status == 200)
        }
    }

    // MARK: ID token

    @Test("POST /oauth2/v2.1/verify returns the ID token's payload")
    func verifyIDToken() async throws {
        try await TestEmulator.run { emulator in
            let idToken = try #require(try await Fixture.login(emulator, extra: [("nonce", "abc")])["id_token"] as? String)
            let response = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/verify",
                [
                    ("id_token", idToken), ("client_id", Fixture.web.channelID), ("nonce", "abc"), ("user_id", Fixture.brown.userID),
                ]
            )
            #expect(response.status == 200)
            #expect(response.json["sub"] as? String == Fixture.brown.userID)
            #expect(response.json["aud"] as? String == Fixture.web.channelID)
            #expect(response.json["iss"] as? String == "https://access.line.me")
            #expect(response.json["nonce"] as? String == "abc")
            #expect(response.json["name"] as? String == "Brown")
        }
    }

    @Test("POST /oauth2/v2.1/verify accepts ES256 ID tokens of native channels")
    func verifyES256() async throws {
        try await TestEmulator.run { emulator in
            let code = try await Fixture.code(emulator, channel: Fixture.native, redirectURI: Fixture.nativeCallback)
            let token = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.nativeCallback),
                    ("client_id", Fixture.native.channelID),
                ]
            )
            let idToken = try #require(token.json["id_token"] as? String)
            let response = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/verify",
                [("id_token", idToken), ("client_id", Fixture.native.channelID)]
            )
            #expect(response.status == 200)
            #expect(response.json["sub"] as? String == Fixture.brown.userID)
        }
    }

    struct IDTokenCase: Sendable, CustomTestStringConvertible {
        var name: String
        var description: String
        var testDescription: String { name }
    }

    @Test(
        "POST /oauth2/v2.1/verify answers LINE's six exact error descriptions",
        arguments: [
            IDTokenCase(name: "bad signature", description: "Invalid IdToken."),
            IDTokenCase(name: "not a JWT", description: "Invalid IdToken."),
            IDTokenCase(name: "alg none", description: "Invalid IdToken."),
            IDTokenCase(name: "issuer", description: "Invalid IdToken Issuer."),
            IDTokenCase(name: "expired", description: "IdToken expired."),
            IDTokenCase(name: "audience", description: "Invalid IdToken Audience."),
            IDTokenCase(name: "nonce", description: "Invalid IdToken Nonce."),
            IDTokenCase(name: "subject", description: "Invalid IdToken Subject Identifier."),
        ]
    )
    func idTokenErrors(_ testCase: IDTokenCase) async throws {
        try await TestEmulator.run { emulator in
            let now = Int(emulator.clock.now.timeIntervalSince1970)
            var claims: [String: Any] = [
                "iss": "https://access.line.me", "sub": Fixture.brown.userID, "aud": Fixture.web.channelID,
                "exp": now + 3600, "iat": now, "nonce": "n1",
            ]
            var secret = Fixture.web.channelSecret
            var fields: [(String, String)] = [("client_id", Fixture.web.channelID)]
            var token: String?
            switch testCase.name {
            case "bad signature": secret = Fixture.native.channelSecret
            case "not a JWT": token = "not-a-jwt"
            case "alg none":
                let payload = try JSONSerialization.data(withJSONObject: claims)
                token = Fixture.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + Fixture.base64URL(payload) + "."
            case "issuer": claims["iss"] = "https://evil.example"
            case "expired": claims["exp"] = now - 1
            case "audience": fields = [("client_id", "1234567890")]
            case "nonce": fields.append(("nonce", "other"))
            case "subject": fields.append(("user_id", Fixture.cony.userID))
            default: Issue.record("unknown case")
            }
            let idToken = try token ?? Fixture.signHS256(claims, secret: secret)
            let response = try await RawHTTP(emulator).postForm("/oauth2/v2.1/verify", [("id_token", idToken)] + fields)
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_request")
            #expect(response.json["error_description"] as? String == testCase.description)
        }
    }

    @Test("an ID token expires after an hour")
    func idTokenLifetime() async throws {
        try await TestEmulator.run { emulator in
            let idToken = try #require(try await Fixture.login(emulator)["id_token"] as? String)
            emulator.clock.advance(by: 3600)
            let response = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/verify",
                [("id_token", idToken), ("client_id", Fixture.web.channelID)]
            )
            #expect(response.json["error_description"] as? String == "IdToken expired.")
        }
    }

    static func verify(_ emulator: TestEmulator, _ token: String) async throws -> RawResponse {
        try await RawHTTP(emulator).get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(token))
    }

    static func revoke(_ emulator: TestEmulator, _ token: String) async throws -> RawResponse {
        try await RawHTTP(emulator).postForm(
            "/oauth2/v2.1/revoke",
            [
                ("access_token", token), ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
            ]
        )
    }
}
