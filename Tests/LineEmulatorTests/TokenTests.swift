import Crypto
import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("POST /oauth2/v2.1/token")
struct TokenTests {
    @Test("the code exchange returns LINE's fields: 30-day access token, refresh token, scope without email, Bearer")
    func exchange() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Fixture.login(emulator, scope: "profile openid email")
            #expect(token["token_type"] as? String == "Bearer")
            #expect(token["expires_in"] as? Int == 2_592_000)
            #expect(token["scope"] as? String == "profile openid")
            #expect((token["access_token"] as? String)?.split(separator: ".").count == 3, "JWS-shaped")
            #expect((token["refresh_token"] as? String)?.isEmpty == false)
            #expect(token["id_token"] is String)
            #expect(Set(token.keys) == ["access_token", "expires_in", "id_token", "refresh_token", "scope", "token_type"])
        }
    }

    @Test("no ID token without the openid scope")
    func noIDToken() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Fixture.login(emulator, scope: "profile")
            #expect(token["id_token"] == nil)
            #expect(token["scope"] as? String == "profile")
        }
    }

    @Test("web-login ID tokens are HS256 with the channel secret and carry the claims of the scopes")
    func webIDToken() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Fixture.login(emulator, scope: "profile openid email", extra: [("nonce", "n-0987"), ("max_age", "600")])
            let idToken = try #require(token["id_token"] as? String)
            let (header, claims) = try Fixture.decodeJWT(idToken)
            #expect(header["alg"] as? String == "HS256")
            #expect(header["typ"] as? String == "JWT")
            #expect(header["kid"] == nil)
            let parts = idToken.split(separator: ".")
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data("\(parts[0]).\(parts[1])".utf8),
                using: SymmetricKey(data: Data(Fixture.web.channelSecret.utf8))
            )
            #expect(Fixture.base64URL(Data(mac)) == String(parts[2]))

            let now = Int(emulator.clock.now.timeIntervalSince1970)
            #expect(claims["iss"] as? String == "https://access.line.me")
            #expect(claims["sub"] as? String == Fixture.brown.userID)
            #expect(claims["aud"] as? String == Fixture.web.channelID)
            #expect(claims["iat"] as? Int == now)
            #expect(claims["exp"] as? Int == now + 3600)
            #expect(claims["auth_time"] as? Int == now)
            #expect(claims["nonce"] as? String == "n-0987")
            #expect(claims["amr"] as? [String] == ["pwd"])
            #expect(claims["name"] as? String == "Brown")
            #expect(claims["picture"] as? String == Fixture.brown.pictureURL)
            #expect(claims["email"] as? String == "brown@example.com")
        }
    }

    @Test("claims follow the scopes: openid alone has no name, picture, email, nonce or auth_time")
    func minimalClaims() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Fixture.login(emulator, scope: "openid")
            let (_, claims) = try Fixture.decodeJWT(try #require(token["id_token"] as? String))
            #expect(Set(claims.keys) == ["iss", "sub", "aud", "exp", "iat", "amr"])
        }
    }

    @Test("a user who unticks email gets no email claim")
    func emailDeclined() async throws {
        try await TestEmulator.run { emulator in
            let url = Fixture.authorizeURL(emulator, scope: "openid email")
            let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.cony.userID, grantEmail: false))
            let code = try #require(Fixture.parameters(of: callback)["code"])
            let response = try await Self.exchange(emulator, code: code)
            let (_, claims) = try Fixture.decodeJWT(try #require(response.json["id_token"] as? String))
            #expect(claims["email"] == nil)
        }
    }

    @Test("native channels: PKCE without client_secret, ES256 ID tokens verifiable with the JWKS at /oauth2/v2.1/certs")
    func nativeES256() async throws {
        try await TestEmulator.run { emulator in
            let code = try await Fixture.code(
                emulator,
                channel: Fixture.native,
                redirectURI: Fixture.nativeCallback,
                extra: [("code_challenge", Fixture.challenge), ("code_challenge_method", "S256"), ("nonce", "native-nonce")]
            )
            let http = RawHTTP(emulator)
            let response = try await http.postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.nativeCallback),
                    ("client_id", Fixture.native.channelID), ("code_verifier", Fixture.verifier),
                ]
            )
            #expect(response.status == 200, "\(response.text)")
            let idToken = try #require(response.json["id_token"] as? String)
            let (header, claims) = try Fixture.decodeJWT(idToken)
            #expect(header["alg"] as? String == "ES256")
            let kid = try #require(header["kid"] as? String)
            #expect(kid.count == 64)
            #expect(claims["nonce"] as? String == "native-nonce")

            let certs = try await http.get("/oauth2/v2.1/certs")
            #expect(certs.status == 200)
            let keys = try #require(certs.json["keys"] as? [[String: Any]])
            let jwk = try #require(keys.first { $0["kid"] as? String == kid })
            #expect(jwk["kty"] as? String == "EC")
            #expect(jwk["crv"] as? String == "P-256")
            #expect(jwk["alg"] as? String == "ES256")
            #expect(jwk["use"] as? String == "sig")
            let xText = try #require(jwk["x"] as? String)
            let yText = try #require(jwk["y"] as? String)
            let x = try #require(Fixture.base64URLDecode(xText))
            let y = try #require(Fixture.base64URLDecode(yText))
            let publicKey = try P256.Signing.PublicKey(rawRepresentation: x + y)
            let parts = idToken.split(separator: ".")
            let signatureBytes = try #require(Fixture.base64URLDecode(parts[2]))
            let signature = try P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
            #expect(publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)))
        }
    }

    @Test("PKCE: a wrong or missing code_verifier is invalid_grant; a malformed one is invalid_request")
    func pkceFailures() async throws {
        try await TestEmulator.run { emulator in
            let pkce = [("code_challenge", Fixture.challenge), ("code_challenge_method", "S256")]
            let missing = try await Self.exchange(emulator, code: try await Fixture.code(emulator, extra: pkce))
            #expect(missing.status == 400)
            #expect(missing.json["error"] as? String == "invalid_grant")
            #expect(missing.json["error_description"] as? String == "code_verifier is required")

            let wrong = try await Self.exchange(
                emulator,
                code: try await Fixture.code(emulator, extra: pkce),
                extra: [("code_verifier", String(repeating: "a", count: 43))]
            )
            #expect(wrong.json["error"] as? String == "invalid_grant")
            #expect(wrong.json["error_description"] as? String == "code_verifier does not match the code_challenge")

            let malformed = try await Self.exchange(
                emulator,
                code: try await Fixture.code(emulator, extra: pkce),
                extra: [("code_verifier", "short")]
            )
            #expect(malformed.json["error"] as? String == "invalid_request")

            let unexpected = try await Self.exchange(
                emulator,
                code: try await Fixture.code(emulator),
                extra: [("code_verifier", Fixture.verifier)]
            )
            #expect(unexpected.json["error"] as? String == "invalid_grant")

            let right = try await Self.exchange(
                emulator,
                code: try await Fixture.code(emulator, extra: pkce),
                extra: [("code_verifier", Fixture.verifier)]
            )
            #expect(right.status == 200)
        }
    }

    @Test("a code is single use: the replay fails and revokes the tokens issued from it")
    func codeReplay() async throws {
        try await TestEmulator.run { emulator in
            let code = try await Fixture.code(emulator)
            let first = try await Self.exchange(emulator, code: code)
            #expect(first.status == 200)
            let accessToken = try #require(first.json["access_token"] as? String)
            let replay = try await Self.exchange(emulator, code: code)
            #expect(replay.status == 400)
            #expect(replay.json["error"] as? String == "invalid_grant")
            #expect(replay.json["error_description"] as? String == "authorization code has already been used")
            let verify = try await RawHTTP(emulator).get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(accessToken))
            #expect(verify.json["error_description"] as? String == "The access token revoked")
        }
    }

    @Test("a refused request leaves the code usable; a replay is a replay whatever else is wrong with it")
    func codeChecksInOrder() async throws {
        try await TestEmulator.run { emulator in
            // The first request for a code this instance just issued is checked without a read of it: a refusal must
            // not use the code up, and the request that follows is checked against the store in LINE's order.
            let code = try await Fixture.code(emulator)
            let wrong = try await Self.exchange(emulator, code: code, redirectURI: "https://elsewhere.example/callback")
            #expect(wrong.json["error_description"] as? String == "redirect_uri does not match")
            let right = try await Self.exchange(emulator, code: code)
            #expect(right.status == 200)
            let accessToken = try #require(right.json["access_token"] as? String)
            let replay = try await Self.exchange(emulator, code: code, redirectURI: "https://elsewhere.example/callback")
            #expect(replay.json["error_description"] as? String == "authorization code has already been used")
            let verify = try await RawHTTP(emulator).get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(accessToken))
            #expect(verify.json["error_description"] as? String == "The access token revoked")
        }
    }

    @Test("a code expires after 10 minutes")
    func codeExpiry() async throws {
        try await TestEmulator.run { emulator in
            let fresh = try await Fixture.code(emulator)
            emulator.clock.advance(by: 599)
            #expect(try await Self.exchange(emulator, code: fresh).status == 200)
            let stale = try await Fixture.code(emulator)
            emulator.clock.advance(by: 601)
            let response = try await Self.exchange(emulator, code: stale)
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_grant")
            #expect(response.json["error_description"] as? String == "authorization code expired")
        }
    }

    @Test("the redirect_uri must equal the one of the authorization request")
    func redirectMismatch() async throws {
        try await TestEmulator.run { emulator in
            let code = try await Fixture.code(emulator)
            let response = try await Self.exchange(emulator, code: code, redirectURI: "http://localhost:8080/callback")
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_grant")
            #expect(response.json["error_description"] as? String == "redirect_uri does not match")
        }
    }

    @Test("client authentication follows the app type: web channels need the right client_secret")
    func clientSecret() async throws {
        try await TestEmulator.run { emulator in
            let missing = try await Self.exchange(emulator, code: try await Fixture.code(emulator), secret: nil)
            #expect(missing.status == 400)
            #expect(missing.json["error"] as? String == "invalid_client")
            #expect(missing.json["error_description"] as? String == "client_secret is required")
            let wrong = try await Self.exchange(emulator, code: try await Fixture.code(emulator), secret: String(repeating: "0", count: 32))
            #expect(wrong.json["error_description"] as? String == "invalid client_secret")
            let unknownClient = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", Fixture.callback), ("client_id", "1111111111"),
                ]
            )
            #expect(unknownClient.json["error"] as? String == "invalid_client")
        }
    }

    @Test("a code of one channel cannot be redeemed by another")
    func crossChannel() async throws {
        try await TestEmulator.run { emulator in
            let code = try await Fixture.code(emulator)
            let response = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.callback),
                    ("client_id", Fixture.native.channelID),
                ]
            )
            #expect(response.json["error"] as? String == "invalid_grant")
            #expect(try await Self.exchange(emulator, code: code).status == 200, "the failed attempt did not burn the code")
        }
    }

    @Test(
        "malformed token requests get invalid_request",
        arguments: [
            ("", "grant_type is required"),
            ("grant_type=authorization_code&grant_type=authorization_code", "grant_type must not be repeated"),
            ("grant_type=authorization_code", "code is required"),
            ("grant_type=authorization_code&code=%ZZ", "The request body is not valid application/x-www-form-urlencoded"),
        ]
    )
    func malformed(body: String, description: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).send(
                .POST,
                "/oauth2/v2.1/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(body.utf8)
            )
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_request")
            #expect(response.json["error_description"] as? String == description)
        }
    }

    @Test("a JSON body is refused: the token endpoint takes a form")
    func wrongContentType() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).postJSON("/oauth2/v2.1/token", ["grant_type": "authorization_code"])
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_request")
        }
    }

    @Test("an unknown grant_type is unsupported_grant_type")
    func unknownGrant() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).postForm("/oauth2/v2.1/token", [("grant_type", "password")])
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "unsupported_grant_type")
        }
    }

    // MARK: Refresh

    @Test("refresh returns a new access token and the same refresh token, without an ID token")
    func refresh() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Fixture.login(emulator)
            let refreshToken = try #require(token["refresh_token"] as? String)
            emulator.clock.advance(by: 86400)
            let response = try await Self.refresh(emulator, refreshToken)
            #expect(response.status == 200)
            #expect(response.json["refresh_token"] as? String == refreshToken)
            #expect(response.json["access_token"] as? String != token["access_token"] as? String)
            #expect(response.json["id_token"] == nil)
            #expect(response.json["token_type"] as? String == "Bearer")
            #expect(response.json["scope"] as? String == "profile openid")
            #expect(response.json["expires_in"] as? Int == 2_592_000)
        }
    }

    @Test("the refresh token dies 90 days after the first issue; refreshing does not extend it")
    func refreshExpiry() async throws {
        try await TestEmulator.run { emulator in
            let refreshToken = try #require(try await Fixture.login(emulator)["refresh_token"] as? String)
            emulator.clock.advance(by: 89 * 86400)
            #expect(try await Self.refresh(emulator, refreshToken).status == 200)
            emulator.clock.advance(by: 86400 + 1)
            let response = try await Self.refresh(emulator, refreshToken)
            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "invalid_grant")
            #expect(response.json["error_description"] as? String == "invalid refresh token")
        }
    }

    @Test("an unknown refresh token, or one of another channel, is invalid_grant")
    func refreshErrors() async throws {
        try await TestEmulator.run { emulator in
            let unknown = try await Self.refresh(emulator, "nope")
            #expect(unknown.json["error_description"] as? String == "invalid refresh token")
            let refreshToken = try #require(try await Fixture.login(emulator)["refresh_token"] as? String)
            let other = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", Fixture.native.channelID),
                ]
            )
            #expect(other.json["error"] as? String == "invalid_grant")
            let noSecret = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", Fixture.web.channelID),
                ]
            )
            #expect(noSecret.json["error"] as? String == "invalid_client", "web-only channels must send client_secret")
        }
    }

    static func exchange(
        _ emulator: TestEmulator,
        code: String,
        redirectURI: String = Fixture.callback,
        secret: String? = Fixture.web.channelSecret,
        extra: [(String, String)] = []
    ) async throws -> RawResponse {
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", Fixture.web.channelID),
        ]
        if let secret { fields.append(("client_secret", secret)) }
        return try await RawHTTP(emulator).postForm("/oauth2/v2.1/token", fields + extra)
    }

    static func refresh(_ emulator: TestEmulator, _ refreshToken: String) async throws -> RawResponse {
        try await RawHTTP(emulator).postForm(
            "/oauth2/v2.1/token",
            [
                ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", Fixture.web.channelID),
                ("client_secret", Fixture.web.channelSecret),
            ]
        )
    }
}
