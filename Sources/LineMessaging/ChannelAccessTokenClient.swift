import Foundation
import LineCore

/// LINE's channel access token API: issue, verify and revoke each kind of token (LINE's *Channel access token* page).
///
/// ```swift
/// let tokens = ChannelAccessTokenClient(api: LineAPIClient(configuration: .init(endpoints: .emulator(url))))
/// let token = try await tokens.issueShortLived(channelID: "1234567890", channelSecret: secret).value
/// ```
public struct ChannelAccessTokenClient: Sendable {
    /// The client the requests go through (endpoints, retries, timeouts).
    public let api: LineAPIClient

    /// A client of LINE's channel access token endpoints.
    ///
    /// - Parameter api: the client the requests go through; by default one for LINE's production endpoints.
    public init(api: LineAPIClient = LineAPIClient()) {
        self.api = api
    }

    private struct IssueResponse: Decodable, Sendable {
        var access_token: String
        var expires_in: Int
        var key_id: String?
    }

    private func token(_ response: LineHTTPResponse, kind: ChannelAccessToken.Kind, channelID: String, issuedAt: Date) throws
        -> LineResponse<ChannelAccessToken>
    {
        let issued = try api.decode(IssueResponse.self, from: response)
        let token = ChannelAccessToken(
            accessToken: issued.value.access_token,
            kind: kind,
            channelID: channelID,
            expiresAt: issuedAt.addingTimeInterval(TimeInterval(issued.value.expires_in)),
            keyID: issued.value.key_id
        )
        return LineResponse(value: token, requestID: issued.requestID, status: issued.status)
    }

    // MARK: Short-lived

    /// `POST /v2/oauth/accessToken`: a 30-day token. Past 30, LINE revokes the oldest.
    ///
    /// - Parameters:
    ///   - channelID: the channel.
    ///   - channelSecret: its secret.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    public func issueShortLived(channelID: String, channelSecret: String) async throws -> LineResponse<ChannelAccessToken> {
        let issuedAt = Date()
        let response = try await api.postForm(
            "/v2/oauth/accessToken",
            [
                ("grant_type", "client_credentials"), ("client_id", channelID), ("client_secret", channelSecret),
            ]
        )
        return try token(response, kind: .shortLived, channelID: channelID, issuedAt: issuedAt)
    }

    /// `POST /v2/oauth/verify` for a short-lived (or long-lived) token.
    ///
    /// - Parameter accessToken: the token to verify.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy). An invalid token is a 400.
    public func verifyShortLived(_ accessToken: String) async throws -> LineResponse<ChannelAccessTokenVerification> {
        try api.decode(
            ChannelAccessTokenVerification.self,
            from: try await api.postForm("/v2/oauth/verify", [("access_token", accessToken)], idempotent: true)
        )
    }

    /// `POST /v2/oauth/revoke` for a short-lived (or long-lived) token. Revoking an invalid token is not an error.
    ///
    /// - Parameter accessToken: the token to revoke.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    @discardableResult
    public func revokeShortLived(_ accessToken: String) async throws -> LineResponse<Void> {
        let response = try await api.postForm("/v2/oauth/revoke", [("access_token", accessToken)], idempotent: true)
        return LineResponse(value: (), requestID: response.requestID, status: response.status)
    }

    // MARK: v2.1 (JWT assertion)

    /// `POST /oauth2/v2.1/token`: a token with the lifetime the assertion's `token_exp` asks for. The 31st valid
    /// token of a channel is refused with 400.
    ///
    /// - Parameters:
    ///   - assertion: a signed JWT assertion (`JWTAssertionSigner`).
    ///   - channelID: the channel.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    public func issue(assertion: String, channelID: String) async throws -> LineResponse<ChannelAccessToken> {
        let issuedAt = Date()
        let response = try await api.postForm(
            "/oauth2/v2.1/token",
            [
                ("grant_type", "client_credentials"), ("client_assertion_type", Self.assertionType), ("client_assertion", assertion),
            ]
        )
        return try token(response, kind: .v2_1, channelID: channelID, issuedAt: issuedAt)
    }

    /// `GET /oauth2/v2.1/verify` for a v2.1 token.
    ///
    /// - Parameter accessToken: the token to verify.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy). An invalid token is a 400.
    public func verify(_ accessToken: String) async throws -> LineResponse<ChannelAccessTokenVerification> {
        try api.decode(
            ChannelAccessTokenVerification.self,
            from: try await api.get("/oauth2/v2.1/verify", query: [("access_token", accessToken)])
        )
    }

    /// `POST /oauth2/v2.1/revoke` for a v2.1 token (channel ID and secret are required by LINE).
    ///
    /// - Parameters:
    ///   - accessToken: the token to revoke.
    ///   - channelID: the channel.
    ///   - channelSecret: its secret.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    @discardableResult
    public func revoke(_ accessToken: String, channelID: String, channelSecret: String) async throws -> LineResponse<Void> {
        let response = try await api.postForm(
            "/oauth2/v2.1/revoke",
            [("client_id", channelID), ("client_secret", channelSecret), ("access_token", accessToken)],
            idempotent: true
        )
        return LineResponse(value: (), requestID: response.requestID, status: response.status)
    }

    /// `GET /oauth2/v2.1/tokens/kid`: the key IDs of the channel's valid v2.1 tokens.
    ///
    /// - Parameter assertion: a signed JWT assertion (`JWTAssertionSigner`).
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    public func validKeyIDs(assertion: String) async throws -> LineResponse<[String]> {
        struct Kids: Decodable, Sendable { var kids: [String] }
        let response = try await api.get(
            "/oauth2/v2.1/tokens/kid",
            query: [("client_assertion_type", Self.assertionType), ("client_assertion", assertion)]
        )
        let decoded = try api.decode(Kids.self, from: response)
        return LineResponse(value: decoded.value.kids, requestID: decoded.requestID, status: decoded.status)
    }

    // MARK: Stateless

    /// `POST /oauth2/v3/token` with the channel secret: a 15-minute token, not revocable.
    ///
    /// - Parameters:
    ///   - channelID: the channel.
    ///   - channelSecret: its secret.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    public func issueStateless(channelID: String, channelSecret: String) async throws -> LineResponse<ChannelAccessToken> {
        let issuedAt = Date()
        let response = try await api.postForm(
            "/oauth2/v3/token",
            [
                ("grant_type", "client_credentials"), ("client_id", channelID), ("client_secret", channelSecret),
            ]
        )
        return try token(response, kind: .stateless, channelID: channelID, issuedAt: issuedAt)
    }

    /// `POST /oauth2/v3/token` with a JWT assertion.
    ///
    /// - Parameters:
    ///   - assertion: a signed JWT assertion (`JWTAssertionSigner`).
    ///   - channelID: the channel.
    /// - Throws: `LineAPIError` when LINE refuses the request or cannot be reached (after the retry policy).
    public func issueStateless(assertion: String, channelID: String) async throws -> LineResponse<ChannelAccessToken> {
        let issuedAt = Date()
        let response = try await api.postForm(
            "/oauth2/v3/token",
            [
                ("grant_type", "client_credentials"), ("client_assertion_type", Self.assertionType), ("client_assertion", assertion),
            ]
        )
        return try token(response, kind: .stateless, channelID: channelID, issuedAt: issuedAt)
    }

    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
}
