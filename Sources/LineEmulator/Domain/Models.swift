import Foundation

/// A channel registered on the emulated LINE Platform.
public struct Channel: Sendable, Codable, Equatable {
    /// Whether the channel is a LINE Login channel or a Messaging API channel.
    public enum Kind: String, Sendable, Codable {
        /// A LINE Login channel: users log in to the app through it.
        case login
        /// A Messaging API channel: the LINE Official Account's bot sends messages through it.
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

    /// The channel ID: the `client_id` of LINE Login and the `aud` of ID tokens.
    public var channelID: String
    /// The channel secret: the `client_secret` of LINE Login, HS256 key of web ID tokens and webhook signature key.
    public var channelSecret: String
    /// The channel's name, shown on the consent page and in the console.
    public var name: String
    /// Whether this is a LINE Login or a Messaging API channel.
    public var kind: Kind
    /// The "App types" setting (LINE Login channels).
    public var appType: AppType
    /// The registered callback URLs; a `redirect_uri` must be one of them, or one plus added query parameters.
    public var callbackURLs: [String]
    /// Whether the channel has been granted permission to request the `email` scope.
    public var emailPermission: Bool

    /// A channel; by default a web-app LINE Login channel with the `email` permission and a linked account.
    public init(
        channelID: String,
        channelSecret: String,
        name: String,
        kind: Kind = .login,
        appType: AppType = .web,
        callbackURLs: [String] = [],
        emailPermission: Bool = true
    ) {
        self.channelID = channelID
        self.channelSecret = channelSecret
        self.name = name
        self.kind = kind
        self.appType = appType
        self.callbackURLs = callbackURLs
        self.emailPermission = emailPermission
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
    /// The user ID: `U` followed by 32 lowercase hexadecimal digits (the `sub` of ID tokens).
    public var userID: String
    /// The display name in the profile and in ID tokens' `name`.
    public var displayName: String
    /// The profile picture's URL, when the user has one.
    public var pictureURL: String?
    /// The profile's status message, when the user has one.
    public var statusMessage: String?
    /// The email address given to channels with the `email` permission when the user consents to the `email` scope.
    public var email: String?

    /// A user; only the ID and the display name are required.
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
    /// The user who consented.
    public var userID: String
    /// The channel the user consented to.
    public var channelID: String
    /// The scopes the user granted.
    public var scopes: ScopeSet
    /// When the user consented (on the emulator's clock).
    public var grantedAt: Date

    package init(userID: String, channelID: String, scopes: ScopeSet, grantedAt: Date) {
        self.userID = userID
        self.channelID = channelID
        self.scopes = scopes
        self.grantedAt = grantedAt
    }
}

/// The LINE Login version a code or token belongs to.
public enum LoginVersion: String, Sendable, Codable {
    /// LINE Login v2.0 (`/v2/oauth/accessToken`; no ID tokens).
    case v2_0 = "v2.0"
    /// LINE Login v2.1 (`/oauth2/v2.1/token`, OpenID Connect).
    case v2_1 = "v2.1"
}

/// An authorization code: 10 minutes, single use, bound to everything the token request must repeat.
package struct AuthorizationCode: Sendable, Equatable {
    package var code: String
    package var version: LoginVersion
    package var channelID: String
    package var userID: String
    package var redirectURI: String
    package var scopes: ScopeSet
    package var nonce: String?
    package var codeChallenge: String?
    /// Set when `max_age` was in the request: the ID token then carries `auth_time`.
    package var authTime: Date?
    package var amr: [String]
    package var issuedAt: Date
    package var expiresAt: Date

    package init(
        code: String,
        version: LoginVersion,
        channelID: String,
        userID: String,
        redirectURI: String,
        scopes: ScopeSet,
        nonce: String? = nil,
        codeChallenge: String? = nil,
        authTime: Date? = nil,
        amr: [String],
        issuedAt: Date,
        expiresAt: Date
    ) {
        self.code = code
        self.version = version
        self.channelID = channelID
        self.userID = userID
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.authTime = authTime
        self.amr = amr
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// The outcome of redeeming an authorization code.
package enum CodeRedemption: Sendable {
    case redeemed(AuthorizationCode)
    /// The code was redeemed before: a replay. Tokens issued from it are revoked.
    case alreadyUsed(AuthorizationCode)
    /// The user no longer consents to the channel (deauthorized since the code was issued): nothing is stored.
    case consentWithdrawn
    case unknown
}

/// The outcome of issuing a new access token on a grant's refresh token.
package enum RefreshOutcome: Sendable, Equatable {
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
package struct UserAccessToken: Sendable, Equatable {
    package var accessToken: String
    package var refreshToken: String
    package var version: LoginVersion
    package var channelID: String
    package var userID: String
    package var scopes: ScopeSet
    package var issuedAt: Date
    package var expiresAt: Date
    package var refreshExpiresAt: Date
    package var revokedAt: Date?
    /// The authorization code the grant came from.
    package var code: String

    package init(
        accessToken: String,
        refreshToken: String,
        version: LoginVersion,
        channelID: String,
        userID: String,
        scopes: ScopeSet,
        issuedAt: Date,
        expiresAt: Date,
        refreshExpiresAt: Date,
        revokedAt: Date? = nil,
        code: String
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.version = version
        self.channelID = channelID
        self.userID = userID
        self.scopes = scopes
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.refreshExpiresAt = refreshExpiresAt
        self.revokedAt = revokedAt
        self.code = code
    }
}

/// A channel access token of any kind.
package struct ChannelAccessToken: Sendable, Equatable {
    package enum Kind: String, Sendable, Codable {
        case shortLived = "short-lived"
        case jwt = "v2.1"
        case stateless = "stateless"
    }

    package var accessToken: String
    package var kind: Kind
    package var channelID: String
    package var keyID: String?
    package var issuedAt: Date
    package var expiresAt: Date
    package var revokedAt: Date?

    package init(
        accessToken: String,
        kind: Kind,
        channelID: String,
        keyID: String? = nil,
        issuedAt: Date,
        expiresAt: Date,
        revokedAt: Date? = nil
    ) {
        self.accessToken = accessToken
        self.kind = kind
        self.channelID = channelID
        self.keyID = keyID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}
