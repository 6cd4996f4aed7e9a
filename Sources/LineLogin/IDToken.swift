import Crypto
import Foundation
import JWTKit
import LineCore

/// The claims of a LINE ID token (LINE's *Verifying ID tokens*).
public struct IDTokenClaims: Sendable, Codable, Equatable {
    public var iss: String
    /// The user ID.
    public var sub: String
    /// The channel ID.
    public var aud: String
    public var exp: Int
    public var iat: Int
    public var authTime: Int?
    public var nonce: String?
    /// How the user authenticated: `pwd`, `lineautologin`, `lineqr`, `linesso`, `mfa`.
    public var amr: [String]?
    public var name: String?
    public var picture: String?
    public var email: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, amr, name, picture, email
        case authTime = "auth_time"
    }
}

/// What the ID token must be checked against. The nonce is not optional: say `.none` only when the authorization
/// request sent none, which `init(pending:)` does for you.
public struct IDTokenExpectations: Sendable {
    public enum Nonce: Sendable, Equatable {
        case value(String)
        /// The authorization request sent no nonce (the token then must carry none either).
        case none
    }

    public var nonce: Nonce
    /// The expected user, when already known (e.g. on re-authentication).
    public var subject: String?
    /// `max_age` of the request: `auth_time` must be at most this many seconds ago.
    public var maxAge: Int?

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
        case hs256 = "HS256"
        case es256 = "ES256"
    }

    public var channelID: String
    /// Needed for HS256.
    public var channelSecret: String? {
        didSet { channelKey = channelSecret.map(ChannelSecretKey.init) }
    }
    /// Which algorithms to accept: web channels `[.hs256]`, native channels `[.es256]`.
    public var allowedAlgorithms: Set<Algorithm>
    public var issuer: String
    public var clockSkew: TimeInterval
    let keys: JWKSCache?
    var channelKey: ChannelSecretKey?

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
        let seconds = now.timeIntervalSince1970
        guard claims.iss == issuer else { throw fail(.wrongIssuer) }
        guard claims.aud == channelID else { throw fail(.wrongAudience) }
        guard Double(claims.exp) + clockSkew > seconds else { throw fail(.expired) }
        guard Double(claims.iat) - clockSkew <= seconds else { throw fail(.issuedInTheFuture) }
        switch expectations.nonce {
        case .value(let expected):
            guard let nonce = claims.nonce else { throw fail(.missingNonce) }
            guard constantTimeEquals(nonce, expected) else { throw fail(.wrongNonce) }
        case .none:
            guard claims.nonce == nil else { throw fail(.wrongNonce) }
        }
        if let subject = expectations.subject, claims.sub != subject { throw fail(.wrongSubject) }
        if let maxAge = expectations.maxAge {
            guard let authTime = claims.authTime, Double(authTime + maxAge) + clockSkew >= seconds else {
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
