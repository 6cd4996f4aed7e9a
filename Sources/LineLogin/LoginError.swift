/// A failure the SDK finds itself, before or after talking to LINE (LINE's own errors are `LineAPIError`).
///
/// Match on ``code`` (extensible: new codes do not break a `switch` with a `default`); for ID tokens and JWT
/// responses, ``idTokenFailure`` says which check failed. Equality compares the code and the ID-token failure only.
///
/// ```swift
/// do { _ = try await login.verifyIDToken(token, expecting: expectations) }
/// catch let error as LoginError where error.code == .invalidIDToken && error.idTokenFailure == .expired { … }
/// ```
public struct LoginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidCodeVerifier, invalidScopes, invalidSealedAuthorization, expiredAuthorization
            case tokenForAnotherChannel, tokenExpired, invalidIDToken, invalidResponseJWT
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A PKCE verifier must be 43–128 characters of `[A-Za-z0-9-._~]`.
        public static let invalidCodeVerifier = Code(.invalidCodeVerifier)
        /// The scopes need `profile` or `openid`, and `email` needs `openid`.
        public static let invalidScopes = Code(.invalidScopes)
        /// A sealed value (pending authorization, session) was altered, is for another key, or is not one.
        public static let invalidSealedAuthorization = Code(.invalidSealedAuthorization)
        /// The sealed pending authorization is older than its lifetime.
        public static let expiredAuthorization = Code(.expiredAuthorization)
        /// The access token was issued to another channel (``LoginError/clientID`` says which).
        public static let tokenForAnotherChannel = Code(.tokenForAnotherChannel)
        /// The access token has no time left.
        public static let tokenExpired = Code(.tokenExpired)
        /// The ID token failed a local check (``LoginError/idTokenFailure`` says which).
        public static let invalidIDToken = Code(.invalidIDToken)
        /// The `response` JWT of a JWT response mode failed a local check (``LoginError/idTokenFailure`` says which).
        public static let invalidResponseJWT = Code(.invalidResponseJWT)

        /// The code's name (`invalidIDToken`, …).
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for logs; never a token or secret.
    public var message: String
    /// With ``Code/invalidIDToken`` and ``Code/invalidResponseJWT``: the check that failed.
    public var idTokenFailure: IDTokenFailure?
    /// With ``Code/tokenForAnotherChannel``: the channel the token belongs to.
    public var clientID: String?

    /// An error.
    ///
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - message: a sentence for logs.
    ///   - idTokenFailure: the check an ID token or JWT response failed.
    ///   - clientID: the channel an access token belongs to.
    public init(code: Code, message: String, idTokenFailure: IDTokenFailure? = nil, clientID: String? = nil) {
        self.code = code
        self.message = message
        self.idTokenFailure = idTokenFailure
        self.clientID = clientID
    }

    /// ``Code/invalidCodeVerifier``.
    public static let invalidCodeVerifier = LoginError(
        code: .invalidCodeVerifier,
        message: "a PKCE code verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'"
    )
    /// ``Code/invalidScopes``.
    public static let invalidScopes = LoginError(code: .invalidScopes, message: "the scopes need profile or openid, and email needs openid")
    /// ``Code/invalidSealedAuthorization``.
    public static let invalidSealedAuthorization = LoginError(
        code: .invalidSealedAuthorization,
        message: "the sealed value was altered, sealed with another key, or is not one"
    )
    /// ``Code/expiredAuthorization``.
    public static let expiredAuthorization = LoginError(
        code: .expiredAuthorization,
        message: "the pending authorization is older than its lifetime"
    )
    /// ``Code/tokenExpired``.
    public static let tokenExpired = LoginError(code: .tokenExpired, message: "the access token has no time left")

    /// ``Code/tokenForAnotherChannel``.
    ///
    /// - Parameter clientID: the channel the token belongs to.
    public static func tokenForAnotherChannel(clientID: String) -> LoginError {
        LoginError(code: .tokenForAnotherChannel, message: "the access token was issued to channel \(clientID)", clientID: clientID)
    }

    /// ``Code/invalidIDToken`` with the check that failed.
    ///
    /// - Parameter failure: the check that failed.
    public static func invalidIDToken(_ failure: IDTokenFailure) -> LoginError {
        LoginError(code: .invalidIDToken, message: "the ID token failed a check: \(failure)", idTokenFailure: failure)
    }

    /// ``Code/invalidResponseJWT`` with the check that failed.
    ///
    /// - Parameter failure: the check that failed.
    public static func invalidResponseJWT(_ failure: IDTokenFailure) -> LoginError {
        LoginError(code: .invalidResponseJWT, message: "the response JWT failed a check: \(failure)", idTokenFailure: failure)
    }

    /// Whether both have the same code and ID-token failure (messages and other details aside).
    public static func == (lhs: LoginError, rhs: LoginError) -> Bool {
        lhs.code == rhs.code && lhs.idTokenFailure == rhs.idTokenFailure
    }

    /// The code and the message, for logs.
    public var description: String { "LINE Login error (\(code)): \(message)" }
}

/// Which local check an ID token (or a JWT response) failed. Extensible: compare with the static members.
public struct IDTokenFailure: Sendable, Hashable, CustomStringConvertible {
    /// The check's name (`expired`, `wrongNonce`, …).
    public let name: String
    private init(_ name: String) { self.name = name }

    /// Not a JWS of three base64url parts with JSON header and claims.
    public static let malformed = IDTokenFailure("malformed")
    /// `alg` is none of HS256 and ES256 (`none` included).
    public static let unsupportedAlgorithm = IDTokenFailure("unsupportedAlgorithm")
    /// `alg` is not one this channel's tokens use (algorithm confusion).
    public static let unexpectedAlgorithm = IDTokenFailure("unexpectedAlgorithm")
    /// `kid` names no key of LINE's JWKS.
    public static let unknownKey = IDTokenFailure("unknownKey")
    /// The signature does not verify.
    public static let badSignature = IDTokenFailure("badSignature")
    /// `iss` is not LINE.
    public static let wrongIssuer = IDTokenFailure("wrongIssuer")
    /// `aud` is not this channel.
    public static let wrongAudience = IDTokenFailure("wrongAudience")
    /// `exp` has passed (beyond the clock skew).
    public static let expired = IDTokenFailure("expired")
    /// `iat` is in the future (beyond the clock skew).
    public static let issuedInTheFuture = IDTokenFailure("issuedInTheFuture")
    /// The request sent a nonce and the token carries none.
    public static let missingNonce = IDTokenFailure("missingNonce")
    /// The token's nonce is not the request's.
    public static let wrongNonce = IDTokenFailure("wrongNonce")
    /// `sub` is not the expected user.
    public static let wrongSubject = IDTokenFailure("wrongSubject")
    /// `auth_time` is older than the request's `max_age`.
    public static let authenticationTooOld = IDTokenFailure("authenticationTooOld")

    /// The check's name.
    public var description: String { name }
}
