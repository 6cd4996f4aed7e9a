import Foundation

/// Issued tokens: minting channel tokens for tests, listing the newest, revoking one.
extension AdminService {
    /// Mints a channel access token of `kind` for the channel without an app's credentials (`lifetime` in seconds,
    /// the kind's longest when `nil`).
    func mintChannelToken(channelID: String, kind: ChannelAccessToken.Kind, lifetime: Int?) async throws -> ChannelTokenResponse {
        guard try await store.channel(id: channelID) != nil else { throw AdminError.notFound("channel \(channelID) not found") }
        return try await channelTokens.mint(channelID: channelID, kind: kind, lifetime: lifetime)
    }

    /// The most recently issued user access tokens, newest first.
    func recentUserTokens(limit: Int) async throws -> [UserAccessToken] {
        try await store.recentUserTokens(limit: limit)
    }

    /// The most recently issued stored channel access tokens (stateless ones are never stored), newest first.
    func recentChannelTokens(limit: Int) async throws -> [ChannelAccessToken] {
        try await store.recentChannelTokens(limit: limit)
    }

    /// Revokes the grant of a user access token: that token and every other token issued from the same login.
    func revokeUserToken(_ accessToken: String) async throws {
        guard let token = try await store.userToken(accessToken: accessToken) else {
            throw AdminError.notFound("no such user access token")
        }
        try await store.revokeGrant(refreshToken: token.refreshToken, at: clock.now)
    }

    /// Revokes a stored channel access token.
    func revokeChannelToken(_ accessToken: String) async throws {
        guard try await store.channelToken(accessToken) != nil else { throw AdminError.notFound("no such channel access token") }
        try await store.revokeChannelToken(accessToken, at: clock.now)
    }
}
