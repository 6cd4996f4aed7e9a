import LineCore
import LineLogin
import Testing

@Suite("LineLoginClient(configuration:): the credential said explicitly")
struct LineLoginConfigurationTests {
    @Test("a web channel carries its secret, a native one none; printing either never shows the secret")
    func credentials() {
        let web = LineLoginConfiguration.web(channelID: "1234567890", channelSecret: "0123456789abcdef0123456789abcdef")
        let native = LineLoginConfiguration.native(channelID: "1234567891")
        #expect(web.credential.channelID == "1234567890" && web.credential.channelSecret == "0123456789abcdef0123456789abcdef")
        #expect(native.credential.channelID == "1234567891" && native.credential.channelSecret == nil)
        #expect("\(web.credential)" == "web channel 1234567890")
        #expect("\(native.credential)" == "native channel 1234567891")
        #expect(LineLoginClient(configuration: web).channelID == "1234567890")
    }

    @Test("a native client refuses an HS256 ID token without trying a secret it does not have")
    func nativeRefusesHS256() async throws {
        let native = LineLoginClient(configuration: .native(channelID: "1234567890"))
        // Any HS256 token: the algorithm is refused before any key or claim is looked at.
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJodHRwczovL2FjY2Vzcy5saW5lLm1lIn0.c2lnbmF0dXJl"
        await #expect(throws: LoginError.invalidIDToken(.unexpectedAlgorithm)) {
            _ = try await native.verifyIDToken(token, expecting: IDTokenExpectations(nonce: .none))
        }
    }
}
