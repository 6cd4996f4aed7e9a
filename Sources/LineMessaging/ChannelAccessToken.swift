import Foundation

/// A channel access token as LINE issued it.
public struct ChannelAccessToken: Sendable, Codable, Equatable {
    /// The kinds of channel access token (LINE's *Channel access token* page).
    public enum Kind: String, Sendable, Codable {
        /// 30 days; 30 per channel, the oldest revoked past that.
        case shortLived
        /// User-specified expiration (v2.1), issued with a JWT assertion; 30 per channel, the 31st refused.
        case v2_1 = "v2.1"
        /// 15 minutes, not revocable, unlimited.
        case stateless
    }

    /// The token itself: a secret (print `masked`, never this).
    public var accessToken: String
    /// Which kind of token it is.
    public var kind: Kind
    /// The channel it was issued to.
    public var channelID: String
    /// When it stops working.
    public var expiresAt: Date
    /// The key ID LINE returns for v2.1 tokens.
    public var keyID: String?

    /// A token as LINE issued it.
    ///
    /// - Parameters:
    ///   - accessToken: the token itself.
    ///   - kind: which kind of token it is.
    ///   - channelID: the channel it was issued to.
    ///   - expiresAt: when it stops working.
    ///   - keyID: the key ID LINE returns for v2.1 tokens.
    public init(accessToken: String, kind: Kind, channelID: String, expiresAt: Date, keyID: String? = nil) {
        self.accessToken = accessToken
        self.kind = kind
        self.channelID = channelID
        self.expiresAt = expiresAt
        self.keyID = keyID
    }
}

/// The result of verifying a channel access token. LINE's reference documents `client_id`, `expires_in` and `scope`;
/// its page on short-lived tokens shows `access_token`, `expires_in` and `token_type`: either shape decodes.
public struct ChannelAccessTokenVerification: Sendable, Decodable, Equatable {
    /// The channel the token was issued to (absent from the short-lived shape).
    public var clientID: String?
    /// Seconds until it expires.
    public var expiresIn: Int
    /// The token's scopes (absent from the short-lived shape).
    public var scope: String?
    /// The token verified (in the short-lived shape).
    public var accessToken: String?
    /// `Bearer` (in the short-lived shape).
    public var tokenType: String?

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id"
        case expiresIn = "expires_in"
        case scope
        case accessToken = "access_token"
        case tokenType = "token_type"
    }
}
