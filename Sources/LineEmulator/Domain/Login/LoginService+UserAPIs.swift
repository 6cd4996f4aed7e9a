import Foundation

/// `GET /v2/profile`.
struct ProfileResponse: Encodable, Sendable {
    var userId: String
    var displayName: String
    var pictureUrl: String?
    var statusMessage: String?
}

/// `GET|POST /oauth2/v2.1/userinfo`.
struct UserInfoResponse: Encodable, Sendable {
    var sub: String
    var name: String?
    var picture: String?
}

/// `GET /friendship/v1/status`.
struct FriendshipResponse: Encodable, Sendable {
    var friendFlag: Bool
}

extension LoginService {
    /// The live user access token in an `Authorization: Bearer` header, and its user.
    func authenticateUser(bearer: String?) async throws -> (UserAccessToken, User) {
        guard let bearer else { throw PlatformError.missingAuthorization }
        guard let token = try await store.userToken(accessToken: bearer), token.revokedAt == nil, clock.now < token.expiresAt,
            let user = try await store.user(id: token.userID)
        else {
            throw PlatformError.invalidBearerToken
        }
        return (token, user)
    }

    private static func requireScope(_ scope: ScopeSet.Scope, in token: UserAccessToken) throws(PlatformError) {
        guard token.scopes.contains(scope) else {
            throw .message(403, "Not allowed to use this API. The access token does not have the \(scope.rawValue) scope.")
        }
    }

    func profile(bearer: String?) async throws -> ProfileResponse {
        let (token, user) = try await authenticateUser(bearer: bearer)
        try Self.requireScope(.profile, in: token)
        return ProfileResponse(
            userId: user.userID,
            displayName: user.displayName,
            pictureUrl: user.pictureURL,
            statusMessage: user.statusMessage
        )
    }

    func userInfo(bearer: String?) async throws -> UserInfoResponse {
        let (token, user) = try await authenticateUser(bearer: bearer)
        try Self.requireScope(.openid, in: token)
        let profile = token.scopes.contains(.profile)
        return UserInfoResponse(sub: user.userID, name: profile ? user.displayName : nil, picture: profile ? user.pictureURL : nil)
    }

    func friendship(bearer: String?) async throws -> FriendshipResponse {
        let (token, user) = try await authenticateUser(bearer: bearer)
        try Self.requireScope(.profile, in: token)
        // The friendship is with the LINE Official Account linked to the channel.
        guard let channel = try await loginChannel(token.channelID),
            let botChannelID = try await store.linkedBotChannel(loginChannelID: channel.channelID)
        else { return FriendshipResponse(friendFlag: false) }
        return FriendshipResponse(friendFlag: try await store.isFriend(userID: user.userID, channelID: botChannelID))
    }

    /// `POST /user/v1/deauthorize`: the channel (already authenticated by its channel access token) removes itself
    /// from the user's authorized apps; the user's access and refresh tokens die at once.
    func deauthorize(channelID: String, userAccessToken: String) async throws {
        let now = clock.now
        guard let token = try await store.userToken(accessToken: userAccessToken), token.revokedAt == nil, now < token.expiresAt,
            token.channelID == channelID,
            try await store.deauthorize(userID: token.userID, channelID: token.channelID, at: now)
        else {
            throw PlatformError.message(400, "invalid token")
        }
    }
}
