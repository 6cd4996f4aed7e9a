import Foundation
import HTTPTypes
import LineLogin
import Testing

@Suite("Callbacks on typed requests")
struct CallbackHTTPRequestTests {
    static let pending = PendingAuthorization(
        version: .v2_1,
        state: "s1",
        nonce: "n1",
        codeVerifier: nil,
        redirectURI: "https://example.com/callback",
        scopes: [.profile, .openid],
        maxAge: nil,
        createdAt: Date()
    )
    static let login = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: "secret"))

    @Test("GET: the response is read from the query")
    func query() async {
        let request = HTTPRequest(method: .get, scheme: "https", authority: "example.com", path: "/callback?code=c1&state=s1")
        #expect(await Self.login.handleCallback(request, pending: Self.pending) == .authorized(code: "c1", friendshipStatusChanged: nil))
    }

    @Test("POST (form_post): the response is read from the form body, not the query")
    func formPost() async {
        var request = HTTPRequest(method: .post, scheme: "https", authority: "example.com", path: "/callback?code=fromquery&state=s1")
        request.headerFields[.contentType] = "application/x-www-form-urlencoded; charset=UTF-8"
        let body = Array("code=c%2B1&state=s1&friendship_status_changed=true".utf8)
        #expect(
            await Self.login.handleCallback(request, body: body, pending: Self.pending)
                == .authorized(code: "c+1", friendshipStatusChanged: true)
        )
        #expect(await Self.login.handleCallback(request, body: Array("code=c1&state=forged".utf8), pending: Self.pending) == .stateMismatch)
        #expect(
            await Self.login.handleCallback(request, body: Array("error=access_denied&state=s1".utf8), pending: Self.pending)
                == .denied(description: nil)
        )
    }

    @Test("POST with another media type is an invalid request, never parsed")
    func otherMediaType() async {
        var request = HTTPRequest(method: .post, scheme: "https", authority: "example.com", path: "/callback")
        request.headerFields[.contentType] = "application/json"
        let outcome = await Self.login.handleCallback(request, body: Array(#"{"code":"c1","state":"s1"}"#.utf8), pending: Self.pending)
        guard case .failed(let error, _) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error == "INVALID_REQUEST")
    }
}
