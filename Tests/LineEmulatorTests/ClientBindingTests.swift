import Crypto
import Foundation
import LineEmulatorTesting
import Testing

@testable import LineEmulator

/// What binds a code, a refresh and an ID token to their client: a replay by another client revokes nothing, one
/// `client_secret` rule for native channels, and one valid signature per ES256 token.
@Suite("Client binding: code replay, native client secrets, low-S ES256")
struct ClientBindingTests {
    static func nativeLogin(_ emulator: TestEmulator, secret: String? = nil) async throws -> RawResponse {
        let code = try await Fixture.code(emulator, channel: Fixture.native, redirectURI: Fixture.nativeCallback)
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.nativeCallback),
            ("client_id", Fixture.native.channelID),
        ]
        if let secret { fields.append(("client_secret", secret)) }
        return try await RawHTTP(emulator).postForm("/oauth2/v2.1/token", fields)
    }

    @Test("a used code replayed by another client (the native one, without a secret) revokes nothing")
    func replayByAnotherClient() async throws {
        try await TestEmulator.run { emulator in
            let code = try await Fixture.code(emulator)
            let first = try await TokenTests.exchange(emulator, code: code)
            let accessToken = try #require(first.json["access_token"] as? String)
            let replay = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.callback),
                    ("client_id", Fixture.native.channelID),
                ]
            )
            #expect(replay.status == 400)
            #expect(replay.json["error"] as? String == "invalid_grant")
            #expect(replay.json["error_description"] as? String == "invalid authorization code")
            #expect(try await VerifyRevokeTests.verify(emulator, accessToken).status == 200, "the first client's grant survives")

            // The client the code belongs to still triggers the replay revocation.
            #expect(try await TokenTests.exchange(emulator, code: code).status == 400)
            #expect(try await VerifyRevokeTests.verify(emulator, accessToken).status == 400)
        }
    }

    @Test("a native channel's client_secret is ignored alike at the code exchange and the refresh; a web channel's is checked")
    func nativeClientSecret() async throws {
        try await TestEmulator.run { emulator in
            let wrong = String(repeating: "0", count: 32)
            let exchanged = try await Self.nativeLogin(emulator, secret: wrong)
            #expect(exchanged.status == 200, "\(exchanged.text)")
            let refreshToken = try #require(exchanged.json["refresh_token"] as? String)
            let refreshed = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", Fixture.native.channelID),
                    ("client_secret", wrong),
                ]
            )
            #expect(refreshed.status == 200)
            #expect(try await Self.nativeLogin(emulator).status == 200)
            #expect(try await Self.nativeLogin(emulator, secret: Fixture.native.channelSecret).status == 200)

            let web = try await TokenTests.exchange(emulator, code: try await Fixture.code(emulator), secret: wrong)
            #expect(web.status == 400)
            #expect(web.json["error_description"] as? String == "invalid client_secret")
        }
    }

    /// `token` with its ES256 signature's `s` replaced by `n − s`: the same signature's malleable twin.
    static func highSTwin(of token: String) throws -> String {
        let parts = token.split(separator: ".")
        let signature = try #require(Fixture.base64URLDecode(parts[2]))
        try #require(signature.count == 64)
        let twin = Data(signature.prefix(32)) + Data(P256LowS.subtractFromOrder(Array(signature.suffix(32))))
        return parts[0] + "." + parts[1] + "." + Fixture.base64URL(twin)
    }

    @Test("the emulator signs ES256 with low S only")
    func signsLowS() throws {
        let key = P256.Signing.PrivateKey()
        for index in 0..<200 {
            let token = try JWS.signES256(payload: Data(#"{"n":\#(index)}"#.utf8), key: key, keyID: "k")
            let parsed = try #require(JWS.parse(token))
            #expect(P256LowS.isLowS(parsed.signature))
            #expect(JWS.verifyES256(parsed, key: key.publicKey))
        }
    }

    @Test("POST /oauth2/v2.1/verify refuses the high-S twin of a valid ES256 ID token, though it verifies as ECDSA")
    func verifyRefusesHighS() async throws {
        try await TestEmulator.run { emulator in
            let idToken = try #require(try await Self.nativeLogin(emulator).json["id_token"] as? String)
            let twin = try Self.highSTwin(of: idToken)
            let parsedTwin = try #require(JWS.parse(twin))
            #expect(!P256LowS.isLowS(parsedTwin.signature))

            // The twin is a genuine ECDSA signature of the same input under the emulator's key from its JWKS.
            let certs = try await RawHTTP(emulator).get("/oauth2/v2.1/certs")
            let jwk = try #require((certs.json["keys"] as? [[String: Any]])?.first)
            let xText = try #require(jwk["x"] as? String)
            let yText = try #require(jwk["y"] as? String)
            let x = try #require(Fixture.base64URLDecode(xText))
            let y = try #require(Fixture.base64URLDecode(yText))
            let publicKey = try P256.Signing.PublicKey(rawRepresentation: x + y)
            let ecdsa = try P256.Signing.ECDSASignature(rawRepresentation: parsedTwin.signature)
            #expect(publicKey.isValidSignature(ecdsa, for: parsedTwin.signingInput))

            let original = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/verify",
                [("id_token", idToken), ("client_id", Fixture.native.channelID)]
            )
            #expect(original.status == 200)
            let refused = try await RawHTTP(emulator).postForm(
                "/oauth2/v2.1/verify",
                [("id_token", twin), ("client_id", Fixture.native.channelID)]
            )
            #expect(refused.status == 400)
            #expect(refused.json["error_description"] as? String == "Invalid IdToken.")
        }
    }

    @Test("P256LowS: n − s of a high s is low, the boundary n/2 is low, n/2 + 1 is high")
    func lowSArithmetic() {
        let r = Data(repeating: 1, count: 32)
        #expect(P256LowS.isLowS(r + Data(P256LowS.halfOrder)))
        var above = P256LowS.halfOrder
        above[31] += 1
        #expect(!P256LowS.isLowS(r + Data(above)))
        #expect(P256LowS.isLowS(P256LowS.normalized(r + Data(above))))
        #expect(P256LowS.subtractFromOrder(above) == P256LowS.halfOrder)
        #expect(!P256LowS.isLowS(Data(count: 63)))
    }
}
