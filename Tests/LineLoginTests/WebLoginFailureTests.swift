import LineCore
import LineLogin
import Testing

@Suite("Web login failures")
struct WebLoginFailureTests {
    @Test("the default page shows LINE's request ID and escapes what it prints")
    func page() {
        let failure = WebLoginFailure(.lineAPI(LineAPIError(code: .http, status: 500, requestID: "abc<def>")))
        #expect(failure.requestID == "abc<def>")
        #expect(failure.status == 502)
        let page = failure.htmlPage(loginPath: "/login?next=\"x\"")
        #expect(page.contains("<code id=\"request-id\">abc&lt;def&gt;</code>"))
        #expect(page.contains("href=\"/login?next=&quot;x&quot;\""))
    }

    @Test("what the browser sent is a 400, a cancel is not an error, and only LINE API failures carry a request ID")
    func statuses() {
        #expect(WebLoginFailure(.cancelled).status == 200)
        #expect(WebLoginFailure(.stateMismatch).status == 400)
        #expect(WebLoginFailure(.expiredPendingAuthorization).status == 400)
        #expect(WebLoginFailure(.invalidIDToken(.wrongNonce)).status == 502)
        #expect(WebLoginFailure(.authorizationError("INVALID_REQUEST")).requestID == nil)
    }
}
