import Crypto
import Foundation
import LineCore

/// The claims of a LINE ID token (reference §2.14).
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

/// Verifies ID tokens locally: HS256 with the channel secret (web login) or ES256 with LINE's JWKS (native apps,
/// LIFF), `iss`, `aud` = the channel, `exp` and `iat` with a clock skew, `nonce`, and optionally `sub` and `auth_time`.
/// `alg: none`, algorithm confusion and unexpected algorithms are refused.
public struct IDTokenVerifier: Sendable {
    /// The signing algorithms a channel's ID tokens may use.
    public enum Algorithm: String, Sendable, Hashable {
        case hs256 = "HS256"
        case es256 = "ES256"
    }

    public var channelID: String
    /// Needed for HS256.
    public var channelSecret: String?
    /// Which algorithms to accept: web channels `[.hs256]`, native channels `[.es256]`.
    public var allowedAlgorithms: Set<Algorithm>
    public var issuer: String
    public var clockSkew: TimeInterval
    let keys: JWKSCache?

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
    }

    public func verify(_ token: String, expecting expectations: IDTokenExpectations, now: Date = Date()) async throws -> IDTokenClaims {
        func fail(_ reason: IDTokenFailure) -> LoginError { .invalidIDToken(reason) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw fail(.malformed) }
        struct Header: Decodable {
            var alg: String
            var kid: String?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData) else { throw fail(.malformed) }
        guard let algorithm = Algorithm(rawValue: header.alg) else { throw fail(.unsupportedAlgorithm) }
        guard allowedAlgorithms.contains(algorithm) else { throw fail(.unexpectedAlgorithm) }
        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        switch algorithm {
        case .hs256:
            guard let channelSecret else { throw fail(.unexpectedAlgorithm) }
            let key = SymmetricKey(data: Data(channelSecret.utf8))
            guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
                throw fail(.badSignature)
            }
        case .es256:
            guard let keys, let kid = header.kid, let key = try await keys.key(id: kid) else { throw fail(.unknownKey) }
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature), key.isValidSignature(ecdsa, for: signingInput)
            else { throw fail(.badSignature) }
        }
        guard let claims = try? JSONDecoder().decode(IDTokenClaims.self, from: payloadData) else { throw fail(.malformed) }
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
        return claims
    }
}

/// LINE's ES256 keys from `/oauth2/v2.1/certs`, cached; an unknown `kid` refreshes the set, at most once a minute.
public actor JWKSCache {
    private let api: LineAPIClient?
    private let minimumRefreshInterval: TimeInterval
    private var keys: [String: P256.Signing.PublicKey] = [:]
    private var lastFetch: Date?

    public init(api: LineAPIClient, minimumRefreshInterval: TimeInterval = 60) {
        self.api = api
        self.minimumRefreshInterval = minimumRefreshInterval
    }

    /// A fixed set of keys that is never fetched (offline verification, tests, benchmarks).
    public init(keys: [String: P256.Signing.PublicKey]) {
        api = nil
        minimumRefreshInterval = .infinity
        self.keys = keys
    }

    /// The key with `id`, fetching the JWKS when it is not known (and the last fetch is old enough).
    public func key(id: String) async throws -> P256.Signing.PublicKey? {
        if let key = keys[id] { return key }
        guard api != nil else { return nil }
        if let lastFetch, Date().timeIntervalSince(lastFetch) < minimumRefreshInterval { return nil }
        try await refresh()
        return keys[id]
    }

    private func refresh() async throws {
        struct JWKS: Decodable {
            struct Key: Decodable {
                var kty: String?
                var crv: String?
                var kid: String?
                var x: String?
                var y: String?
            }
            var keys: [Key]
        }
        guard let api else { return }
        lastFetch = Date()
        let response = try await api.get("/oauth2/v2.1/certs")
        let set = try api.decode(JWKS.self, from: response).value
        var fresh: [String: P256.Signing.PublicKey] = [:]
        for key in set.keys where key.kty == "EC" && key.crv == "P-256" {
            guard let kid = key.kid, let x = key.x.flatMap(Base64URL.decode), let y = key.y.flatMap(Base64URL.decode), x.count == 32,
                y.count == 32,
                let publicKey = try? P256.Signing.PublicKey(rawRepresentation: x + y)
            else { continue }
            fresh[kid] = publicKey
        }
        keys = fresh
    }
}
