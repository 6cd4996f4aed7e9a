import Crypto
import Foundation
import JWTKit
import LineCore

/// The claims of a LINE ID token (LINE's *Verifying ID tokens*), with Swift names; the JSON keeps LINE's claim names
/// (`iss`, `sub`, `aud`, `exp`, `iat`, `auth_time`, `amr`, `picture`), and times are read from seconds since 1970
/// whatever the decoder's date strategy.
public struct IDTokenClaims: Sendable, Codable, Equatable {
    /// `iss`: who issued the token (`https://access.line.me`).
    public var issuer: String
    /// `sub`: the user ID.
    public var subject: String
    /// `aud`: the channel ID the token was issued to.
    public var audience: String
    /// `exp`: when the token expires.
    public var expiresAt: Date
    /// `iat`: when the token was issued.
    public var issuedAt: Date
    /// `auth_time`: when the user authenticated, when the request had `max_age`.
    public var authenticatedAt: Date?
    /// `nonce`: the authorization request's nonce.
    public var nonce: String?
    /// `amr`: how the user authenticated (`pwd`, `lineautologin`, `lineqr`, `linesso`, `mfa`).
    public var authenticationMethods: [String]?
    /// `name`: the display name (with the `profile` scope).
    public var name: String?
    /// `picture`: the profile image's URL (with the `profile` scope).
    public var pictureURL: String?
    /// `email`: the email address (with the `email` scope).
    public var email: String?

    /// Claims, for tests and for tokens of your own.
    ///
    /// - Parameters:
    ///   - issuer: `iss`.
    ///   - subject: `sub`, the user ID.
    ///   - audience: `aud`, the channel ID.
    ///   - expiresAt: `exp`.
    ///   - issuedAt: `iat`.
    ///   - authenticatedAt: `auth_time`.
    ///   - nonce: `nonce`.
    ///   - authenticationMethods: `amr`.
    ///   - name: `name`.
    ///   - pictureURL: `picture`.
    ///   - email: `email`.
    public init(
        issuer: String,
        subject: String,
        audience: String,
        expiresAt: Date,
        issuedAt: Date,
        authenticatedAt: Date? = nil,
        nonce: String? = nil,
        authenticationMethods: [String]? = nil,
        name: String? = nil,
        pictureURL: String? = nil,
        email: String? = nil
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.authenticatedAt = authenticatedAt
        self.nonce = nonce
        self.authenticationMethods = authenticationMethods
        self.name = name
        self.pictureURL = pictureURL
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case audience = "aud"
        case expiresAt = "exp"
        case issuedAt = "iat"
        case authenticatedAt = "auth_time"
        case nonce
        case authenticationMethods = "amr"
        case name
        case pictureURL = "picture"
        case email
    }

    /// Reads LINE's claims; `exp`, `iat` and `auth_time` are NumericDates (seconds since 1970).
    ///
    /// - Parameter decoder: the decoder to read from.
    /// - Throws: `DecodingError` when a required claim is missing or has the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try container.decode(String.self, forKey: .issuer)
        subject = try container.decode(String.self, forKey: .subject)
        audience = try container.decode(String.self, forKey: .audience)
        expiresAt = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .expiresAt))
        issuedAt = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .issuedAt))
        authenticatedAt = try container.decodeIfPresent(Double.self, forKey: .authenticatedAt).map(Date.init(timeIntervalSince1970:))
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        authenticationMethods = try container.decodeIfPresent([String].self, forKey: .authenticationMethods)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        pictureURL = try container.decodeIfPresent(String.self, forKey: .pictureURL)
        email = try container.decodeIfPresent(String.self, forKey: .email)
    }

    /// Writes LINE's claims, times as whole seconds since 1970.
    ///
    /// - Parameter encoder: the encoder to write to.
    /// - Throws: the encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(issuer, forKey: .issuer)
        try container.encode(subject, forKey: .subject)
        try container.encode(audience, forKey: .audience)
        try container.encode(Int(expiresAt.timeIntervalSince1970), forKey: .expiresAt)
        try container.encode(Int(issuedAt.timeIntervalSince1970), forKey: .issuedAt)
        try container.encodeIfPresent(authenticatedAt.map { Int($0.timeIntervalSince1970) }, forKey: .authenticatedAt)
        try container.encodeIfPresent(nonce, forKey: .nonce)
        try container.encodeIfPresent(authenticationMethods, forKey: .authenticationMethods)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(pictureURL, forKey: .pictureURL)
        try container.encodeIfPresent(email, forKey: .email)
    }
}

/// What the ID token must be checked against. The nonce is not optional: say `.none` only when the authorization
/// request sent none, which `init(pending:)` does for you.
public struct IDTokenExpectations: Sendable {
    /// The nonce the ID token must carry.
    public enum Nonce: Sendable, Equatable {
        /// The nonce the authorization request sent.
        case value(String)
        /// The authorization request sent no nonce (the token then must carry none either).
        case none
    }

    /// The nonce the ID token must carry, or `.none` when the request sent none.
    public var nonce: Nonce
    /// The expected user, when already known (e.g. on re-authentication).
    public var subject: String?
    /// `max_age` of the request: `auth_time` must be at most this many seconds ago.
    public var maxAge: Int?

    /// Expectations; the nonce must be said, the user and `max_age` only when known.
    public init(nonce: Nonce, subject: String? = nil, maxAge: Int? = nil) {
        self.nonce = nonce
        self.subject = subject
        self.maxAge = maxAge
    }

    /// The expectations of the login `pending` started.
    public init(pending: PendingAuthorization, subject: String? = nil) {
        self.init(nonce: pending.nonce.map(Nonce.value) ?? .none, subject: subject, maxAge: pending.maxAge)
    }
}

/// Verifies ID tokens locally with jwt-kit: HS256 with the channel secret (web login) or ES256 with LINE's JWKS
/// (native apps, LIFF), `iss`, `aud` = the channel, `exp` and `iat` with a clock skew, `nonce`, and optionally `sub`
/// and `auth_time`. `alg: none`, algorithm confusion and unexpected algorithms are refused before any key is used.
public struct IDTokenVerifier: Sendable {
    /// The signing algorithms a channel's ID tokens may use.
    public enum Algorithm: String, Sendable, Hashable {
        /// HMAC-SHA256 with the channel secret: web-app channels.
        case hs256 = "HS256"
        /// ECDSA P-256 with a key from LINE's JWKS: native apps and LIFF.
        case es256 = "ES256"
    }

    /// The channel the token must be issued to (`aud`).
    public var channelID: String
    /// Needed for HS256.
    public var channelSecret: String? {
        didSet { channelKey = channelSecret.map(ChannelSecretKey.init) }
    }
    /// Which algorithms to accept: web channels `[.hs256]`, native channels `[.es256]`.
    public var allowedAlgorithms: Set<Algorithm>
    /// The expected `iss`. Default `https://access.line.me`.
    public var issuer: String
    /// How far `exp` and `iat` may be off the local clock, in seconds. Default 300.
    public var clockSkew: TimeInterval
    let keys: JWKSCache?
    var channelKey: ChannelSecretKey?

    /// A verifier for one channel's ID tokens.
    ///
    /// - Parameters:
    ///   - channelID: the channel the tokens must be issued to.
    ///   - channelSecret: the channel secret, needed for HS256; `nil` for a native channel.
    ///   - allowedAlgorithms: the algorithms to accept: `[.hs256]` for web channels, `[.es256]` for native ones.
    ///   - jwks: LINE's keys, needed for ES256; `nil` when only HS256 is allowed.
    ///   - issuer: the expected `iss`.
    ///   - clockSkew: how far `exp` and `iat` may be off the local clock, in seconds.
    public init(
        channelID: String,
        channelSecret: String?,
        allowedAlgorithms: Set<Algorithm>,
        jwks: JWKSCache?,
        issuer: String = "https://access.line.me",
        clockSkew: TimeInterval = 300
    ) {
        self.channelID = channelID
        self.channelSecret = channelSecret
        self.allowedAlgorithms = allowedAlgorithms
        self.keys = jwks
        self.issuer = issuer
        self.clockSkew = clockSkew
        channelKey = channelSecret.map(ChannelSecretKey.init)
    }

    /// The claims of `token` once its signature and every claim check pass.
    ///
    /// - Throws: `LoginError.invalidIDToken` with the failed check; a JWKS fetch's own error when LINE's keys could
    ///   not be fetched.
    public func verify(_ token: String, expecting expectations: IDTokenExpectations, now: Date = Date()) async throws -> IDTokenClaims {
        func fail(_ reason: IDTokenFailure) -> LoginError { .invalidIDToken(reason) }
        guard let header = JOSEHeader(token: token) else { throw fail(.malformed) }
        guard let algorithm = Algorithm(rawValue: header.alg) else { throw fail(.unsupportedAlgorithm) }
        guard allowedAlgorithms.contains(algorithm) else { throw fail(.unexpectedAlgorithm) }
        let collection: JWTKeyCollection
        switch algorithm {
        case .hs256:
            guard let channelKey else { throw fail(.unexpectedAlgorithm) }
            collection = await channelKey.collection()
        case .es256:
            guard let keys, let kid = header.kid, let known = try await keys.keys(containing: kid, now: now) else {
                throw fail(.unknownKey)
            }
            collection = known
        }
        let claims: IDTokenClaims
        do {
            claims = try await collection.verify(token, as: IDTokenPayload.self).claims
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw fail(.malformed)
        } catch {
            // jwt-kit's signatureVerificationFailed, or a signature its algorithm cannot even read (an HMAC-sized
            // signature under an ES256 header).
            throw fail(.badSignature)
        }
        try check(claims, expecting: expectations, now: now)
        return claims
    }

    private func check(_ claims: IDTokenClaims, expecting expectations: IDTokenExpectations, now: Date) throws(LoginError) {
        func fail(_ reason: IDTokenFailure) -> LoginError { .invalidIDToken(reason) }
        guard claims.issuer == issuer else { throw fail(.wrongIssuer) }
        guard claims.audience == channelID else { throw fail(.wrongAudience) }
        guard claims.expiresAt.addingTimeInterval(clockSkew) > now else { throw fail(.expired) }
        guard claims.issuedAt.addingTimeInterval(-clockSkew) <= now else { throw fail(.issuedInTheFuture) }
        switch expectations.nonce {
        case .value(let expected):
            guard let nonce = claims.nonce else { throw fail(.missingNonce) }
            guard constantTimeEquals(nonce, expected) else { throw fail(.wrongNonce) }
        case .none:
            guard claims.nonce == nil else { throw fail(.wrongNonce) }
        }
        if let subject = expectations.subject, claims.subject != subject { throw fail(.wrongSubject) }
        if let maxAge = expectations.maxAge {
            guard let authenticatedAt = claims.authenticatedAt,
                authenticatedAt.addingTimeInterval(TimeInterval(maxAge) + clockSkew) >= now
            else {
                throw fail(.authenticationTooOld)
            }
        }
    }
}

/// The ID token's claims as jwt-kit decodes them; the checks are `IDTokenVerifier`'s, after the signature.
struct IDTokenPayload: JWTPayload {
    var claims: IDTokenClaims

    init(from decoder: any Decoder) throws { claims = try IDTokenClaims(from: decoder) }
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
