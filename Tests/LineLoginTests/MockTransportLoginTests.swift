import Foundation
import HTTPTypes
import LineCore
import LineKitTesting
import LineLogin
import Testing

@Suite("LineLoginClient without sockets (MockTransport)")
struct MockTransportLoginTests {
    static func client(_ transport: MockTransport) -> LineLoginClient {
        LineLoginClient(
            configuration: .web(
                channelID: "1234567890",
                channelSecret: "0123456789abcdef0123456789abcdef",
                api: LineAPIClient(configuration: .init(transport: transport, retryPolicy: .none))
            )
        )
    }

    @Test("the profile's wire names (userId, pictureUrl) read into Swift names")
    func profile() async throws {
        let transport = MockTransport()
        transport.enqueue(.profile(userID: "U1", displayName: "Brown", pictureURL: "https://example.com/p.png"))
        let profile = try await Self.client(transport).profile(accessToken: "user-token").value
        #expect(profile.userID == "U1" && profile.displayName == "Brown" && profile.pictureURL == "https://example.com/p.png")
        #expect(transport.requests.first?.headers[.authorization] == "Bearer user-token")
    }

    @Test("an OAuth error and a timeout become LineAPIError codes")
    func failures() async throws {
        let transport = MockTransport()
        transport.enqueue(.oauthError(error: "invalid_grant", description: "invalid refresh token"))
        transport.enqueueFailure(.timeout)
        let login = Self.client(transport)
        await #expect(throws: LineAPIError(code: .http, status: 400)) { _ = try await login.refresh("refresh-token") }
        await #expect(throws: LineAPIError(code: .timeout)) { _ = try await login.refresh("refresh-token") }
        let refresh = try #require(transport.requests.first)
        #expect(String(decoding: refresh.body ?? Data(), as: UTF8.self).contains("client_secret="))
    }
}
