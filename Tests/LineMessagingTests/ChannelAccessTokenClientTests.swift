import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import NIOHTTP1
import Testing

@Suite("ChannelAccessTokenClient against the emulator")
struct ChannelAccessTokenClientTests {
    @Test("short-lived: issue, verify, revoke, with request IDs")
    func shortLived() async throws {
        try await TestEmulator.run { emulator in
            let client = ChannelAccessTokenClient(api: Harness(emulator).api)
            let issued = try await client.issueShortLived(channelID: Harness.bot.channelID, channelSecret: Harness.bot.channelSecret)
            #expect(issued.value.kind == .shortLived)
            #expect(issued.requestID?.count == 16)
            #expect(abs(issued.value.expiresAt.timeIntervalSinceNow - 2_592_000) < 60)
            let verified = try await client.verifyShortLived(issued.value.accessToken)
            #expect(verified.value.clientID == Harness.bot.channelID)
            try await client.revokeShortLived(issued.value.accessToken)
            await #expect(throws: LineAPIError.self) { try await client.verifyShortLived(issued.value.accessToken) }
        }
    }

    @Test("a wrong secret reaches the caller as LineAPIError with LINE's fields and the request ID")
    func typedError() async throws {
        try await TestEmulator.run { emulator in
            let client = ChannelAccessTokenClient(api: Harness(emulator).api)
            do {
                _ = try await client.issueShortLived(channelID: Harness.bot.channelID, channelSecret: String(repeating: "0", count: 32))
                Issue.record("expected an error")
            } catch let error as LineAPIError {
                #expect(error.code == .http)
                #expect(error.status == 400)
                #expect(error.error == "invalid_client")
                #expect(error.errorDescription == "invalid client_secret")
                #expect(error.requestID?.count == 16)
                #expect(error.endpoint == "POST \(emulator.baseURL.absoluteString)/v2/oauth/accessToken")
                #expect(!error.description.contains("000000000000"), "the secret is not in the error")
            }
        }
    }

    @Test("v2.1: a generated key pair registered on the channel issues, verifies, lists and revokes tokens")
    func jwtLifecycle() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let keys = try AssertionKeyPair.generate()
            let kid = try #require(
                try await harness.admin(.POST, "/channels/\(Harness.bot.channelID)/keys", keys.publicJWK)["kid"] as? String
            )
            let signer = JWTAssertionSigner(channelID: Harness.bot.channelID, keyID: kid, keys: keys)
            let client = ChannelAccessTokenClient(api: harness.api)

            let issued = try await client.issue(
                assertion: try signer.assertion(tokenLifetime: .seconds(3600)),
                channelID: Harness.bot.channelID
            )
            #expect(issued.value.kind == .v2_1)
            let keyID = try #require(issued.value.keyID)
            #expect(try await client.verify(issued.value.accessToken).value.expiresIn <= 3600)
            #expect(try await client.validKeyIDs(assertion: try signer.assertion()).value == [keyID])
            try await client.revoke(issued.value.accessToken, channelID: Harness.bot.channelID, channelSecret: Harness.bot.channelSecret)
            #expect(try await client.validKeyIDs(assertion: try signer.assertion()).value.isEmpty)

            let stateless = try await client.issueStateless(assertion: try signer.assertion(), channelID: Harness.bot.channelID)
            #expect(stateless.value.kind == .stateless)
            #expect(abs(stateless.value.expiresAt.timeIntervalSinceNow - 900) < 60)
        }
    }

    @Test("the private JWK round-trips and LINE's console rules hold for the public JWK")
    func keyFormats() throws {
        let keys = try AssertionKeyPair.generate()
        let publicJWK = keys.publicJWK
        #expect(publicJWK["kid"] == nil)
        #expect(publicJWK["kty"] == "RSA" && publicJWK["alg"] == "RS256" && publicJWK["use"] == "sig")
        for field in ["d", "p", "q", "dp", "dq", "qi"] { #expect(keys.privateJWK[field]?.isEmpty == false) }
        let reread = try AssertionKeyPair(privateJWK: Data(keys.privateJWKJSON.utf8))
        #expect(reread.publicJWK == publicJWK)
        #expect(throws: MessagingError.invalidAssertionKey) { try AssertionKeyPair(privateJWK: Data(keys.publicJWKJSON.utf8)) }
    }

    @Test("token_exp is refused outside 1 second to 30 days before anything is sent")
    func tokenLifetime() async throws {
        let signer = JWTAssertionSigner(channelID: "1234567890", keyID: "k", keys: try AssertionKeyPair.generate())
        await #expect(throws: MessagingError.tokenLifetimeOutOfRange(2_592_001)) {
            try await signer.assertion(tokenLifetime: .seconds(2_592_001))
        }
        await #expect(throws: MessagingError.tokenLifetimeOutOfRange(0)) { try await signer.assertion(tokenLifetime: .seconds(0)) }
    }
}

@Suite("ChannelAccessTokenVerification decoding")
struct ChannelAccessTokenVerificationDecodingTests {
    @Test("decodes LINE's reference shape and the short-lived page's shape alike")
    func bothShapes() throws {
        let reference = try JSONDecoder().decode(
            ChannelAccessTokenVerification.self,
            from: Data(#"{"client_id":"1350031035","expires_in":3138007490,"scope":"P CM"}"#.utf8)
        )
        #expect(reference.clientID == "1350031035")
        #expect(reference.expiresIn == 3_138_007_490)
        #expect(reference.scope == "P CM")
        let shortLived = try JSONDecoder().decode(
            ChannelAccessTokenVerification.self,
            from: Data(#"{"access_token":"W1TeHCgfH2Liwa","expires_in":2591999,"token_type":"Bearer"}"#.utf8)
        )
        #expect(shortLived.clientID == nil)
        #expect(shortLived.accessToken == "W1TeHCgfH2Liwa")
        #expect(shortLived.tokenType == "Bearer")
        #expect(shortLived.expiresIn == 2_591_999)
    }
}
