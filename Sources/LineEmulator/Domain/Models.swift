import Foundation

/// A channel registered on the emulated LINE Platform.
public struct Channel: Sendable, Codable, Equatable {
    /// Whether the channel is a LINE Login channel or a Messaging API channel.
    public enum Kind: String, Sendable, Codable {
        case login
        case messaging
    }

    /// The "App types" setting of a LINE Login channel. It decides the `client_secret` rules and the ID token algorithm.
    public enum AppType: String, Sendable, Codable, CaseIterable {
        /// "Web app" only: `client_secret` is required; ID tokens are HS256 with the channel secret.
        case web
        /// "Mobile app" (native, LINE SDK): `client_secret` is ignored (v2.1); ID tokens are ES256 with the emulator's JWKS.
        case native
        /// "Web app" and "Mobile app": `client_secret` is ignored (v2.1); ES256 only when the token request asks for JWK keys.
        case webAndNative
    }

    public var channelID: String
    public var channelSecret: String
    public var name: String
    public var kind: Kind
    public var appType: AppType
    public var callbackURLs: [String]
    /// Whether the channel has been granted permission to request the `email` scope.
    public var emailPermission: Bool
    /// Whether a LINE Official Account is linked to the channel (needed for `bot_prompt` and friendship status).
    public var botLinked: Bool

    public init(
        channelID: String,
        channelSecret: String,
        name: String,
        kind: Kind = .login,
        appType: AppType = .web,
        callbackURLs: [String] = [],
        emailPermission: Bool = true,
        botLinked: Bool = true
    ) {
        self.channelID = channelID
        self.channelSecret = channelSecret
        self.name = name
        self.kind = kind
        self.appType = appType
        self.callbackURLs = callbackURLs
        self.emailPermission = emailPermission
        self.botLinked = botLinked
    }

    /// Whether `client_secret` must be sent with token requests (LINE: only for "Web app only" channels).
    var requiresClientSecret: Bool { appType == .web }

    /// Whether `redirectURI` is a registered callback URL, or one plus added query parameters.
    func accepts(redirectURI: String) -> Bool {
        guard !redirectURI.contains("#") else { return false }
        return callbackURLs.contains { registered in
            if redirectURI == registered { return true }
            let separator = registered.contains("?") ? "&" : "?"
            return redirectURI.hasPrefix(registered + separator) && redirectURI.count > registered.count + 1
        }
    }
}

/// A LINE user known to the emulator.
public struct User: Sendable, Codable, Equatable {
    public var userID: String
    public var displayName: String
    public var pictureURL: String?
    public var statusMessage: String?
    public var email: String?

    public init(userID: String, displayName: String, pictureURL: String? = nil, statusMessage: String? = nil, email: String? = nil) {
        self.userID = userID
        self.displayName = displayName
        self.pictureURL = pictureURL
        self.statusMessage = statusMessage
        self.email = email
    }

    /// LINE user IDs are `U` followed by 32 lowercase hexadecimal digits.
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 33 && id.first == "U" && id.utf8.dropFirst().allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// A user's consent to a channel: what LINE lists as an "authorized app".
public struct Consent: Sendable, Equatable {
    public var userID: String
    public var channelID: String
    public var scopes: ScopeSet
    public var grantedAt: Date
}

/// The LINE Login version a code or token belongs to.
public enum LoginVersion: String, Sendable, Codable {
    case v2_0 = "v2.0"
    case v2_1 = "v2.1"
}

/// An authorization code: 10 minutes, single use, bound to everything the token request must repeat.
struct AuthorizationCode: Sendable, Equatable {
    var code: String
    var version: LoginVersion
    var channelID: String
    var userID: String
    var redirectURI: String
    var scopes: ScopeSet
    var nonce: String?
    var codeChallenge: String?
    /// Set when `max_age` was in the request: the ID token then carries `auth_time`.
    var authTime: Date?
    var amr: [String]
    var issuedAt: Date
    var expiresAt: Date
}

/// The outcome of redeeming an authorization code.
enum CodeRedemption: Sendable {
    case redeemed(AuthorizationCode)
    /// The code was redeemed before: a replay. Tokens issued from it are revoked.
    case alreadyUsed(AuthorizationCode)
    /// The user no longer consents to the channel (deauthorized since the code was issued): nothing is stored.
    case consentWithdrawn
    case unknown
}

/// The outcome of issuing a new access token on a grant's refresh token.
enum RefreshOutcome: Sendable, Equatable {
    /// The token was stored.
    case refreshed
    /// The grant was revoked: a revocation is final.
    case revoked
    /// The grant's refresh token has expired.
    case expired
    /// No grant has this refresh token.
    case unknown
}

/// A user access token and the grant (refresh token) it belongs to.
struct UserAccessToken: Sendable, Equatable {
    var accessToken: String
    var refreshToken: String
    var version: LoginVersion
    var channelID: String
    var userID: String
    var scopes: ScopeSet
    var issuedAt: Date
    var expiresAt: Date
    var refreshExpiresAt: Date
    var revokedAt: Date?
    /// The authorization code the grant came from.
    var code: String
}

/// A channel access token of any kind.
struct ChannelAccessToken: Sendable, Equatable {
    enum Kind: String, Sendable, Codable {
        case shortLived = "short-lived"
        case jwt = "v2.1"
        case stateless = "stateless"
    }

    var accessToken: String
    var kind: Kind
    var channelID: String
    var keyID: String?
    var issuedAt: Date
    var expiresAt: Date
    var revokedAt: Date?
}
