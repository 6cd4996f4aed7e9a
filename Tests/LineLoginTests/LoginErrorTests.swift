import LineLogin
import Testing

@Suite("LoginError: one struct with an extensible code")
struct LoginErrorTests {
    @Test("errors match on their code and, for ID tokens, on the failed check")
    func codes() {
        let error = LoginError.invalidIDToken(.expired)
        #expect(error.code == .invalidIDToken && error.idTokenFailure == .expired)
        #expect(error == LoginError(code: .invalidIDToken, message: "another sentence", idTokenFailure: .expired))
        #expect(error != LoginError.invalidIDToken(.wrongNonce))
        #expect(error != LoginError.invalidResponseJWT(.expired))
        let other = LoginError.tokenForAnotherChannel(clientID: "999")
        #expect(other.code == .tokenForAnotherChannel && other.clientID == "999")
        #expect(String(describing: LoginError.invalidScopes).contains("invalidScopes"))
    }

    @Test("a switch over codes needs a default, so new codes do not break it")
    func switchWithDefault() {
        func kind(_ error: LoginError) -> String {
            switch error.code {
            case .invalidIDToken, .invalidResponseJWT: "token"
            case .invalidScopes, .invalidCodeVerifier: "request"
            default: "other"
            }
        }
        #expect(kind(.invalidIDToken(.badSignature)) == "token")
        #expect(kind(.invalidScopes) == "request")
        #expect(kind(.tokenExpired) == "other")
    }
}
