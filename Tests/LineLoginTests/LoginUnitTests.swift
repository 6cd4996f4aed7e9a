import Crypto
import Foundation
import LineCore
import LineLogin
import Testing

@Suite("LineLogin without a network")
struct LoginUnitTests {
    static let client = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: "0123456789abcdef0123456789abcdef"))

    static func query(_ url: URL) -> [String: String] {
        Dictionary((URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { a, _ in
            a
        }
    }

    @Test("PKCE: RFC 7636 appendix B, and generated verifiers follow the rules")
    func pkce() throws {
        #expect(
            try PKCEPair(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        )
        #expect(throws: LoginError.invalidCodeVerifier) { try PKCEPair(verifier: String(repeating: "a", count: 42)) }
        #expect(throws: LoginError.invalidCodeVerifier) { try PKCEPair(verifier: String(repeating: "a", count: 129)) }
        #expect(throws: LoginError.invalidCodeVerifier) { try PKCEPair(verifier: String(repeating: "a", count: 42) + "+") }
        for length in [43, 64, 128] {
            let pair = PKCEPair.generate(length: length)
            #expect(pair.verifier.count == length)
            #expect(try PKCEPair(verifier: pair.verifier) == pair)
        }
        #expect(PKCEPair.generate().verifier != PKCEPair.generate().verifier)
    }

    @Test("the authorization URL carries every option with LINE's parameter names")
    func authorizationURL() throws {
        let options = AuthorizationOptions(
            prompt: .consent,
            maxAge: 3600,
            uiLocales: ["ja-JP", "en"],
            botPrompt: .aggressive,
            showQRCodeFirst: true,
            allowSwitchingLoginMethod: false,
            disableAutoLogin: true,
            disableIOSAutoLogin: true,
            responseMode: .formPost
        )
        let redirect = try Self.client.authorizationRedirect(
            redirectURI: "https://example.com/callback?x=1",
            scopes: [.email, .openid, .profile],
            options: options
        )
        #expect(redirect.url.absoluteString.hasPrefix("https://access.line.me/oauth2/v2.1/authorize?"))
        let query = Self.query(redirect.url)
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "1234567890")
        #expect(query["redirect_uri"] == "https://example.com/callback?x=1")
        #expect(query["scope"] == "profile openid email")
        #expect(query["state"] == redirect.pending.state)
        #expect(query["nonce"] == redirect.pending.nonce)
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["code_challenge"] == (try PKCEPair(verifier: redirect.pending.codeVerifier ?? "")).challenge)
        #expect(query["prompt"] == "consent")
        #expect(query["max_age"] == "3600")
        #expect(query["ui_locales"] == "ja-JP en")
        #expect(query["bot_prompt"] == "aggressive")
        #expect(query["initial_amr_display"] == "lineqr")
        #expect(query["switch_amr"] == "false")
        #expect(query["disable_auto_login"] == "true")
        #expect(query["disable_ios_auto_login"] == "true")
        #expect(query["response_mode"] == "form_post")
        #expect(!redirect.url.absoluteString.contains("%20") == false, "spaces are percent-encoded")
        #expect(throws: LoginError.invalidScopes) { try Self.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.email]) }
        #expect(throws: LoginError.invalidScopes) {
            try Self.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.profile, .email])
        }
    }

    @Test("state and nonce are fresh for every request; no nonce without openid")
    func freshness() throws {
        let first = try Self.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.openid])
        let second = try Self.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.openid])
        #expect(first.pending.state != second.pending.state)
        #expect(first.pending.nonce != second.pending.nonce)
        #expect((first.pending.state.count) >= 32)
        #expect(try Self.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.profile]).pending.nonce == nil)
        let v2 = Self.client.authorizationRedirectV2(redirectURI: "https://e.x/cb")
        #expect(v2.url.absoluteString.hasPrefix("https://access.line.me/dialog/oauth/weblogin?response_type=code&client_id=1234567890"))
    }

    @Test(
        "callback parsing: code, every error form (case-insensitive), v2.0 denial, state mismatch",
        arguments: [
            ("code=abc&state=S&friendship_status_changed=true", CallbackOutcome.authorized(code: "abc", friendshipStatusChanged: true)),
            ("code=abc&state=S", .authorized(code: "abc", friendshipStatusChanged: nil)),
            (
                "error=ACCESS_DENIED&error_description=The+resource+owner+denied+the+request.&state=S",
                .denied(description: "The resource owner denied the request.")
            ),
            ("error=access_denied&state=S", .denied(description: nil)),
            (
                "error=access_denied&errorCode=417&errorMessage=DISALLOWED&error_description=The+user+has+denied+the+approval&state=S",
                .denied(description: "The user has denied the approval")
            ),
            ("error=login_required&state=S", .failed(error: "LOGIN_REQUIRED", description: nil)),
            ("error=INVALID_SCOPE&error_description=x&state=S", .failed(error: "INVALID_SCOPE", description: "x")),
            ("code=abc&state=T", .stateMismatch),
            ("code=abc", .stateMismatch),
        ]
    )
    func callback(query: String, expected: CallbackOutcome) {
        let pending = PendingAuthorization(
            version: .v2_1,
            state: "S",
            nonce: nil,
            codeVerifier: nil,
            redirectURI: "https://e.x/cb",
            scopes: [.profile],
            maxAge: nil,
            createdAt: Date()
        )
        #expect(Callback.parse(query, expecting: pending) == expected)
    }

    @Test("a sealed pending authorization opens only unaltered, with its key, within its lifetime")
    func sealing() throws {
        let key = SymmetricKey(size: .bits256)
        let sealer = SealedAuthorization(key: key, lifetime: 600)
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let pending = try Self.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.openid], now: created).pending
        let sealed = try sealer.seal(pending)
        #expect(
            try sealer.open(sealed, now: created.addingTimeInterval(599))
                == PendingAuthorization(
                    version: pending.version,
                    state: pending.state,
                    nonce: pending.nonce,
                    codeVerifier: pending.codeVerifier,
                    redirectURI: pending.redirectURI,
                    scopes: pending.scopes,
                    maxAge: pending.maxAge,
                    createdAt: Date(timeIntervalSince1970: pending.createdAt.timeIntervalSince1970)
                )
        )
        #expect(throws: LoginError.invalidSealedAuthorization) {
            try SealedAuthorization(key: SymmetricKey(size: .bits256)).open(sealed, now: created)
        }
        var tampered = Array(sealed)
        tampered[20] = tampered[20] == "A" ? "B" : "A"
        #expect(throws: LoginError.invalidSealedAuthorization) { try sealer.open(String(tampered), now: created) }
        #expect(throws: LoginError.expiredAuthorization) { try sealer.open(sealed, now: created.addingTimeInterval(601)) }
    }
}

@Suite("ID token verification attacks")
struct IDTokenAttackTests {
    static let secret = "0123456789abcdef0123456789abcdef"
    static let verifier = IDTokenVerifier(channelID: "1234567890", channelSecret: secret, allowedAlgorithms: [.hs256], jwks: nil)
    /// One instant for signing and verifying, so no check can straddle a wall-clock second.
    static let now = 1_800_000_000
    static let nowDate = Date(timeIntervalSince1970: TimeInterval(now))

    static func b64(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
    }

    static func token(_ claims: [String: Any] = [:], header: [String: Any] = ["alg": "HS256", "typ": "JWT"], secret: String = secret) throws
        -> String
    {
        let now = Self.now
        var payload: [String: Any] = [
            "iss": "https://access.line.me", "sub": "U1", "aud": "1234567890", "exp": now + 3600, "iat": now, "nonce": "n1",
        ]
        for (key, value) in claims { payload[key] = value is NSNull ? nil : value }
        let input = b64(try JSONSerialization.data(withJSONObject: header)) + "." + b64(try JSONSerialization.data(withJSONObject: payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + b64(Data(mac))
    }

    @Test("a good HS256 token verifies")
    func good() async throws {
        let claims = try await Self.verifier.verify(try Self.token(), expecting: .init(nonce: .value("n1")), now: Self.nowDate)
        #expect(claims.subject == "U1")
    }

    @Test(
        "attacks are refused with the reason",
        arguments: [
            ("bad signature", IDTokenFailure.badSignature), ("alg none", .unsupportedAlgorithm),
            ("ES256 header on a web channel", .unexpectedAlgorithm),
            ("wrong aud", .wrongAudience), ("wrong iss", .wrongIssuer), ("wrong nonce", .wrongNonce), ("missing nonce", .missingNonce),
            ("expired", .expired), ("future iat", .issuedInTheFuture), ("garbage", .malformed), ("wrong sub", .wrongSubject),
            ("old auth_time", .authenticationTooOld),
        ]
    )
    func attack(name: String, failure: IDTokenFailure) async throws {
        let now = Self.now
        var expectations = IDTokenExpectations(nonce: .value("n1"))
        let token: String
        switch name {
        case "bad signature": token = try Self.token(secret: "fedcba9876543210fedcba9876543210")
        case "alg none":
            let unsigned = try Self.token(header: ["alg": "none"]).split(separator: ".")
            token = "\(unsigned[0]).\(unsigned[1])."
        case "ES256 header on a web channel": token = try Self.token(header: ["alg": "ES256", "kid": "k"])
        case "wrong aud": token = try Self.token(["aud": "9999999999"])
        case "wrong iss": token = try Self.token(["iss": "https://evil.example"])
        case "wrong nonce": token = try Self.token(["nonce": "n2"])
        case "missing nonce": token = try Self.token(["nonce": NSNull()])
        case "expired": token = try Self.token(["exp": now - 301])
        case "future iat": token = try Self.token(["iat": now + 301])
        case "wrong sub":
            token = try Self.token()
            expectations.subject = "U2"
        case "old auth_time":
            token = try Self.token(["auth_time": now - 7200])
            expectations.maxAge = 3600
        default: token = "garbage"
        }
        await #expect(throws: LoginError.invalidIDToken(failure)) {
            try await Self.verifier.verify(token, expecting: expectations, now: Self.nowDate)
        }
    }

    @Test("a channel secret shorter than 32 bytes verifies its own tokens and refuses others")
    func shortSecret() async throws {
        let verifier = IDTokenVerifier(channelID: "1234567890", channelSecret: "short", allowedAlgorithms: [.hs256], jwks: nil)
        let claims = try await verifier.verify(try Self.token(secret: "short"), expecting: .init(nonce: .value("n1")), now: Self.nowDate)
        #expect(claims.subject == "U1")
        await #expect(throws: LoginError.invalidIDToken(.badSignature)) {
            try await verifier.verify(try Self.token(secret: "shorT"), expecting: .init(nonce: .value("n1")), now: Self.nowDate)
        }
    }

    @Test("the clock skew (5 minutes by default) tolerates a slightly expired token")
    func skew() async throws {
        let now = Self.now
        _ = try await Self.verifier.verify(try Self.token(["exp": now - 200]), expecting: .init(nonce: .value("n1")), now: Self.nowDate)
    }
}
