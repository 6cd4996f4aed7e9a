import LineCore
import LineLogin
import Testing

@Suite("Web login failures")
struct WebLoginFailureTests {
    @Test("the default page shows LINE's request ID and escapes what it prints")
    func page() {
        let failure = WebLoginFailure(code: .lineAPI, lineAPIError: LineAPIError(code: .http, status: 500, requestID: "abc<def>"))
        #expect(failure.requestID == "abc<def>")
        #expect(failure.status == 502)
        let page = failure.htmlPage(loginPath: "/login?next=\"x\"")
        #expect(page.contains("<code id=\"request-id\">abc&lt;def&gt;</code>"))
        #expect(page.contains("href=\"/login?next=&quot;x&quot;\""))
    }

    @Test("what the browser sent is a 400, a cancel is not an error, and only LINE API failures carry a request ID")
    func statuses() {
        #expect(WebLoginFailure(code: .cancelled).status == 200)
        #expect(WebLoginFailure(code: .stateMismatch).status == 400)
        #expect(WebLoginFailure(code: .expiredPendingAuthorization).status == 400)
        #expect(WebLoginFailure(code: .invalidIDToken, idTokenFailure: .wrongNonce).status == 502)
        let refused = WebLoginFailure(code: .authorizationError, authorizationError: "INVALID_REQUEST")
        #expect(refused.requestID == nil && refused.message.contains("INVALID_REQUEST"))
    }

    @Test("failures match on their code; equality is the code and the failed check, not the details")
    func codes() {
        let failure = WebLoginFailure(code: .invalidIDToken, detail: "one", idTokenFailure: .expired)
        #expect(failure.code == .invalidIDToken && failure.idTokenFailure == .expired)
        #expect(failure == WebLoginFailure(code: .invalidIDToken, detail: "two", idTokenFailure: .expired))
        #expect(failure != WebLoginFailure(code: .invalidIDToken, idTokenFailure: .wrongNonce))
        #expect(String(describing: failure).contains("invalidIDToken") && String(describing: failure).contains("expired"))
    }
}
