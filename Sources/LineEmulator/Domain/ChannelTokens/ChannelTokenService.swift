import Foundation
import LineCore

/// `POST /v2/oauth/accessToken` (client_credentials), `POST /oauth2/v2.1/token` (client_credentials) and `POST /oauth2/v3/token`.
struct ChannelTokenResponse: Encodable, Sendable {
    var access_token: String
    var expires_in: Int
    var token_type = "Bearer"
    /// Only for v2.1 tokens: the key ID to revoke or list them by.
    var key_id: String?
}

extension ChannelTokenResponse: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("access_token", access_token)
        writer.member("expires_in", expires_in)
        writer.member("token_type", token_type)
        writer.member("key_id", ifPresent: key_id)
        writer.endObject()
    }
}

/// The body of verifying a channel access token: LINE's reference fields (`client_id`, the remaining seconds in
/// `expires_in`, `scope`), then `access_token` and `token_type`, which LINE's documentation of the short-lived token
/// also shows, so a client written against either finds its fields.
struct ChannelTokenVerification: Encodable, Sendable {
    var client_id: String
    var expires_in: Int
    var scope: String
    var access_token: String
    var token_type = "Bearer"
}

extension ChannelTokenVerification: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("client_id", client_id)
        writer.member("expires_in", expires_in)
        writer.member("scope", scope)
        writer.member("access_token", access_token)
        writer.member("token_type", token_type)
        writer.endObject()
    }
}

/// Channel access tokens of every kind (LINE's *Channel access token* page): short-lived (30 days, 30 per channel, the oldest revoked),
/// v2.1 by JWT assertion (up to 30 days, 30 per channel, the 31st refused) and stateless (15 minutes, unlimited, not
/// revocable, never stored).
struct ChannelTokenService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let login: LoginService
    let rateLimiter: RateLimiter
    /// What each bearer token presented was as a stateless token (its channel and expiry, or not one): a token's text
    /// never changes meaning, so checking its seal once is enough.
    private let statelessTokens = RowCache<StatelessToken?>(capacity: 4096)

    static let shortLivedLifetime = 30 * 24 * 3600
    static let statelessLifetime = 15 * 60
    static let tokensPerKind = 30
    /// The `scope` of a verified short-lived token: the value in LINE's `/v2/oauth/verify` example.
    static let shortLivedTokenScope = "P CM"
    /// The `scope` of a verified v2.1 token: the value in LINE's `/oauth2/v2.1/verify` example.
    static let jwtTokenScope = "profile chat_message.write"
    static let tooManyTokens = PlatformError.message(400, "The maximum number of access tokens has already been issued")

    // MARK: Issue

    /// `POST /v2/oauth/accessToken` with `grant_type=client_credentials`.
    func issueShortLived(_ form: Parameters) async throws -> ChannelTokenResponse {
        guard let clientID = form.nonEmpty("client_id"), let secret = form.nonEmpty("client_secret") else {
            throw PlatformError.invalidRequest("some parameters missed or invalid")
        }
        guard let channel = try await store.channel(id: clientID) else { throw PlatformError.invalidClient("invalid client_id") }
        guard constantTimeEquals(secret, channel.channelSecret) else { throw PlatformError.invalidClient("invalid client_secret") }
        guard try await rateLimiter.allow(.shortLivedIssue, channelID: channel.channelID) else { throw RateLimiter.exceeded }
        let token = newToken(channelID: channel.channelID, kind: .shortLived, lifetime: Self.shortLivedLifetime, keyID: nil)
        _ = try await store.insertChannelToken(token, limit: Self.tokensPerKind, revokeOldest: true)
        return ChannelTokenResponse(access_token: token.accessToken, expires_in: Self.shortLivedLifetime)
    }

    /// `POST /oauth2/v2.1/token` with `grant_type=client_credentials` and a JWT assertion.
    func issueByJWT(_ form: Parameters) async throws -> ChannelTokenResponse {
        let assertion = try await ClientAssertion.verify(
            type: form["client_assertion_type"],
            assertion: form["client_assertion"],
            store: store,
            now: clock.now
        )
        try await limit(.jwtIssue, assertion.channelID)
        // LINE requires `token_exp` for a v2.1 token: without it there is no lifetime to give the token.
        guard let lifetime = assertion.tokenLifetime else { throw PlatformError.invalidClient("Invalid token_exp") }
        let token = newToken(channelID: assertion.channelID, kind: .jwt, lifetime: lifetime, keyID: Randomness.alphanumeric(22))
        guard try await store.insertChannelToken(token, limit: Self.tokensPerKind, revokeOldest: false) else { throw Self.tooManyTokens }
        return ChannelTokenResponse(access_token: token.accessToken, expires_in: lifetime, key_id: token.keyID)
    }

    /// `POST /oauth2/v3/token`: by channel secret, or by JWT assertion (empty assertion fields are ignored, as LINE does).
    func issueStateless(_ form: Parameters) async throws -> ChannelTokenResponse {
        guard form["grant_type"] == "client_credentials" else {
            throw PlatformError.invalidRequest("grant_type must be client_credentials")
        }
        let channelID: String
        if form.nonEmpty("client_assertion") != nil || form.nonEmpty("client_assertion_type") != nil {
            channelID = try await ClientAssertion.verify(
                type: form["client_assertion_type"],
                assertion: form["client_assertion"],
                store: store,
                now: clock.now
            ).channelID
        } else {
            guard let clientID = form.nonEmpty("client_id"), let secret = form.nonEmpty("client_secret"),
                let channel = try await store.channel(id: clientID), constantTimeEquals(secret, channel.channelSecret)
            else {
                throw PlatformError.invalidRequest("Invalid 'client_credentials'.")
            }
            channelID = channel.channelID
        }
        try await limit(.statelessIssue, channelID)
        return ChannelTokenResponse(access_token: statelessToken(channelID: channelID), expires_in: Self.statelessLifetime)
    }

    /// Mints a token of `kind` for an existing channel without LINE's request ceremony (``AdminService``, which
    /// checks the channel); caps are not applied.
    func mint(channelID: String, kind: ChannelAccessToken.Kind, lifetime: Int?) async throws -> ChannelTokenResponse {
        let maximum = kind == .stateless ? Self.statelessLifetime : Self.shortLivedLifetime
        let seconds = lifetime ?? maximum
        guard (1...maximum).contains(seconds) else {
            throw AdminError.invalid("expiresIn must be between 1 and \(maximum) seconds for \(kind.rawValue) tokens")
        }
        if kind == .stateless {
            return ChannelTokenResponse(access_token: statelessToken(channelID: channelID, lifetime: seconds), expires_in: seconds)
        }
        let token = newToken(channelID: channelID, kind: kind, lifetime: seconds, keyID: kind == .jwt ? Randomness.alphanumeric(22) : nil)
        _ = try await store.insertChannelToken(token, limit: nil, revokeOldest: false)
        return ChannelTokenResponse(access_token: token.accessToken, expires_in: seconds, key_id: token.keyID)
    }

    private func newToken(channelID: String, kind: ChannelAccessToken.Kind, lifetime: Int, keyID: String?) -> ChannelAccessToken {
        let now = clock.now
        return ChannelAccessToken(
            accessToken: login.makeAccessToken(channelID: channelID, kind: kind.rawValue),
            kind: kind,
            channelID: channelID,
            keyID: keyID,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(lifetime)),
            revokedAt: nil
        )
    }

    // MARK: Stateless tokens

    private struct StatelessClaims: Codable {
        var chn: String
        var exp: Double
        var jti: String
    }

    private static let statelessPurpose = "stateless-channel-token"

    /// A stateless token carries its channel and expiry, authenticated by the emulator's key: nothing is stored.
    private func statelessToken(channelID: String, lifetime: Int = statelessLifetime) -> String {
        let claims = StatelessClaims(
            chn: channelID,
            exp: clock.now.timeIntervalSince1970 + Double(lifetime),
            jti: Randomness.alphanumeric(16)
        )
        let payload = (try? JSONEncoder().encode(claims)) ?? Data()
        return login.keys.sealToken(payload, purpose: Self.statelessPurpose)
    }

    private struct StatelessToken: Sendable {
        var channelID: String
        var expiresAt: Date
    }

    private func statelessChannel(_ token: String) -> StatelessToken? {
        if let known = statelessTokens[token] { return known }
        var stateless: StatelessToken?
        if let payload = login.keys.openToken(token, purpose: Self.statelessPurpose),
            let claims = try? JSONDecoder().decode(StatelessClaims.self, from: payload)
        {
            stateless = StatelessToken(channelID: claims.chn, expiresAt: Date(timeIntervalSince1970: claims.exp))
        }
        statelessTokens.store(stateless, for: token, ifGeneration: statelessTokens.generation)
        return stateless
    }

    // MARK: Authenticate, verify, revoke

    /// A live channel access token of any kind, from an `Authorization: Bearer` header.
    func authenticate(bearer: String?) async throws -> (channelID: String, kind: ChannelAccessToken.Kind) {
        guard let bearer else { throw PlatformError.missingAuthorization }
        let now = clock.now
        if let stateless = statelessChannel(bearer) {
            guard now < stateless.expiresAt else { throw PlatformError.invalidBearerToken }
            return (stateless.channelID, .stateless)
        }
        guard let token = try await store.channelToken(bearer), token.revokedAt == nil, now < token.expiresAt else {
            throw PlatformError.invalidBearerToken
        }
        return (token.channelID, token.kind)
    }

    /// A live short-lived token, for `POST /v2/oauth/verify`; `nil` when the token is not one.
    func verifyShortLived(_ accessToken: String) async throws -> ChannelTokenVerification? {
        try await verify(accessToken, kind: .shortLived)
    }

    /// A live v2.1 token, for `GET /oauth2/v2.1/verify`; `nil` when the token is not a v2.1 channel token.
    func verifyJWTToken(_ accessToken: String) async throws -> ChannelTokenVerification? {
        try await verify(accessToken, kind: .jwt)
    }

    private func verify(_ accessToken: String, kind: ChannelAccessToken.Kind) async throws -> ChannelTokenVerification? {
        // The same endpoints verify user tokens, the more frequent: those are known without a store read.
        guard !login.isUserAccessToken(accessToken), let token = try await store.channelToken(accessToken), token.kind == kind else {
            return nil
        }
        try await limit(.channelTokenVerify, token.channelID)
        if token.revokedAt != nil {
            throw PlatformError.invalidRequest(kind == .jwt ? "The access token revoked" : "access_token invalid")
        }
        let remaining = token.expiresAt.timeIntervalSince(clock.now)
        guard remaining > 0 else { throw PlatformError.invalidRequest(kind == .jwt ? "The access token expired" : "access_token invalid") }
        return ChannelTokenVerification(
            client_id: token.channelID,
            expires_in: LoginService.wholeSeconds(remaining),
            scope: kind == .jwt ? Self.jwtTokenScope : Self.shortLivedTokenScope,
            access_token: accessToken
        )
    }

    /// Whether `accessToken` is a channel access token the emulator issued (any state).
    func isChannelToken(_ accessToken: String) async throws -> Bool {
        try await store.channelToken(accessToken) != nil || statelessChannel(accessToken) != nil
    }

    /// `POST /v2/oauth/revoke` for a short-lived token: unknown or dead tokens are not an error.
    func revokeShortLived(_ accessToken: String) async throws {
        guard let token = try await store.channelToken(accessToken), token.kind != .jwt else { return }
        try await limit(.channelTokenRevoke, token.channelID)
        try await store.revokeChannelToken(accessToken, at: clock.now)
    }

    /// Whether `POST /oauth2/v2.1/revoke` of `accessToken` is the channel-token revoke rather than LINE Login's: the
    /// token is a channel access token the emulator issued, or it is no user access token and `client_id` names a
    /// Messaging API channel (whose unknown tokens LINE answers 200, not `invalid_client`).
    func handlesRevoke(of accessToken: String, clientID: String?) async throws -> Bool {
        if try await isChannelToken(accessToken) { return true }
        guard let clientID, try await store.userToken(accessToken: accessToken) == nil else { return false }
        return try await store.channel(id: clientID)?.kind == .messaging
    }

    /// `POST /oauth2/v2.1/revoke` for a v2.1 channel token: `client_id`, `client_secret` and `access_token` required.
    /// A token that is not a JWS is `The access token not JWS`; any other token this call cannot revoke (unknown,
    /// expired, already revoked, another channel's, or a short-lived or stateless token, which belong to other
    /// endpoints) is 200 and left as it is: "no error occurs if an invalid channel access token is specified".
    func revokeJWTToken(_ form: Parameters) async throws {
        guard let clientID = form.nonEmpty("client_id"), let secret = form.nonEmpty("client_secret"),
            let accessToken = form.nonEmpty("access_token")
        else {
            throw PlatformError.invalidRequest("client_id, client_secret and access_token are required")
        }
        guard let channel = try await store.channel(id: clientID) else { throw PlatformError.invalidClient("invalid client_id") }
        guard constantTimeEquals(secret, channel.channelSecret) else { throw PlatformError.invalidClient("invalid client_secret") }
        try await limit(.channelTokenRevoke, channel.channelID)
        guard LoginService.looksLikeJWS(accessToken) else { throw PlatformError.invalidRequest("The access token not JWS") }
        guard let token = try await store.channelToken(accessToken), token.kind == .jwt, token.channelID == channel.channelID else {
            return
        }
        try await store.revokeChannelToken(accessToken, at: clock.now)
    }

    /// `GET /oauth2/v2.1/tokens/kid`: the key IDs of the channel's valid v2.1 tokens.
    func keyIDs(_ parameters: Parameters) async throws -> [String] {
        let assertion = try await ClientAssertion.verify(
            type: parameters["client_assertion_type"],
            assertion: parameters["client_assertion"],
            store: store,
            now: clock.now
        )
        try await limit(.keyIDs, assertion.channelID)
        return try await store.validChannelTokens(channelID: assertion.channelID, kind: .jwt, at: clock.now).compactMap(\.keyID)
    }

    /// LINE's 429 once the channel has used up its rate for `endpoint`.
    private func limit(_ endpoint: RateLimiter.Endpoint, _ channelID: String) async throws {
        guard try await rateLimiter.allow(endpoint, channelID: channelID) else { throw RateLimiter.exceeded }
    }

    // MARK: Assertion keys

    /// Registers a public JWK on an existing channel (LINE's console's "Register a public key"; here ``AdminService``,
    /// which checks the channel) and returns its `kid`.
    func registerKey(channelID: String, jwk: [String: Any]) async throws -> String {
        let (modulus, exponent) = try ChannelKey.validate(jwk: jwk)
        let key = ChannelKey(
            keyID: UUID().uuidString.lowercased(),
            channelID: channelID,
            modulus: modulus,
            exponent: exponent,
            createdAt: clock.now
        )
        try await store.insertChannelKey(key)
        return key.keyID
    }
}
