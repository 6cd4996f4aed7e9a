import Crypto
import Foundation
import LineCore

/// A user who has just logged in with LINE, verified: the ID token's claims (checked for signature, issuer, audience,
/// expiry and nonce), the tokens, and the profile when the login asked for it.
public struct LineIdentity: Sendable, Equatable, Codable {
    /// The user's ID for this provider (the ID token's `sub`, or the profile's `userId` without `openid`).
    public var userID: String
    /// The verified ID token claims; `nil` only when `openid` was not requested.
    public var claims: IDTokenClaims?
    /// The user's access token: a secret.
    public var accessToken: String
    /// The refresh token: a secret.
    public var refreshToken: String
    /// When the access token stops working.
    public var accessTokenExpiresAt: Date
    /// Granted scopes, space-separated.
    public var scope: String
    /// `GET /v2/profile`, fetched after the login when asked for.
    public var profile: LineProfile?
    /// Whether the user added or blocked the LINE Official Account during the login (`bot_prompt`).
    public var friendshipStatusChanged: Bool?
    /// When the login happened.
    public var authenticatedAt: Date

    /// An identity (the integrations build it from a verified login).
    ///
    /// - Parameters:
    ///   - userID: the user's ID for this provider.
    ///   - claims: the verified ID token claims; `nil` when `openid` was not requested.
    ///   - accessToken: the user's access token.
    ///   - refreshToken: the refresh token.
    ///   - accessTokenExpiresAt: when the access token stops working.
    ///   - scope: the granted scopes, space-separated.
    ///   - profile: the profile, when fetched.
    ///   - friendshipStatusChanged: whether the user added or blocked the LINE Official Account during the login.
    ///   - authenticatedAt: when the login happened.
    public init(
        userID: String,
        claims: IDTokenClaims?,
        accessToken: String,
        refreshToken: String,
        accessTokenExpiresAt: Date,
        scope: String,
        profile: LineProfile? = nil,
        friendshipStatusChanged: Bool? = nil,
        authenticatedAt: Date
    ) {
        self.userID = userID
        self.claims = claims
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.scope = scope
        self.profile = profile
        self.friendshipStatusChanged = friendshipStatusChanged
        self.authenticatedAt = authenticatedAt
    }

    /// The display name from the profile or the ID token.
    public var displayName: String? { profile?.displayName ?? claims?.name }
}

/// The profile part of a ``LineIdentity`` (a `Codable` copy of ``Profile``, so it can live in a session).
public struct LineProfile: Sendable, Equatable, Codable {
    /// The user's ID for this provider.
    public var userID: String
    /// The user's display name.
    public var displayName: String
    /// The URL of the profile image, if the user has one.
    public var pictureURL: String?
    /// The status message, if the user has one.
    public var statusMessage: String?

    /// A copy of a profile from `GET /v2/profile`.
    ///
    /// - Parameter profile: the profile LINE returned.
    public init(_ profile: Profile) {
        userID = profile.userID
        displayName = profile.displayName
        pictureURL = profile.pictureURL
        statusMessage = profile.statusMessage
    }
}

/// A ``LineIdentity`` sealed with AES-GCM, so it can be the app's session cookie: only the app can read or forge it.
public struct SealedIdentity: Sendable {
    /// The key that seals and opens sessions: a secret, the same in every instance of the app.
    public let key: SymmetricKey
    /// How long a session lasts after the login. Default 7 days.
    public let lifetime: TimeInterval
    private static let purpose = Data("linekit.identity".utf8)

    /// A sealer of sessions.
    ///
    /// - Parameters:
    ///   - key: the key that seals and opens sessions.
    ///   - lifetime: how long a session lasts after the login, in seconds.
    public init(key: SymmetricKey, lifetime: TimeInterval = 7 * 24 * 3600) {
        self.key = key
        self.lifetime = lifetime
    }

    /// The cookie-safe sealed form.
    ///
    /// - Parameter identity: the identity to seal.
    /// - Throws: when it cannot be encoded or sealed.
    public func seal(_ identity: LineIdentity) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let box = try AES.GCM.seal(try encoder.encode(identity), using: key, authenticating: Self.purpose)
        guard let combined = box.combined else { throw LoginError.invalidSealedAuthorization }
        return Base64URL.encode(combined)
    }

    /// The identity, if `sealed` is unaltered, sealed with this key, and its session has not lapsed; `nil` otherwise.
    ///
    /// - Parameters:
    ///   - sealed: the sealed form.
    ///   - now: the time to check the session's lifetime against.
    public func open(_ sealed: String, now: Date = Date()) -> LineIdentity? {
        guard let data = Base64URL.decode(sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Self.purpose)
        else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let identity = try? decoder.decode(LineIdentity.self, from: plain),
            now.timeIntervalSince(identity.authenticatedAt) <= lifetime
        else { return nil }
        return identity
    }
}
