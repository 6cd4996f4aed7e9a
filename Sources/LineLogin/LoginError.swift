/// Problems the SDK finds itself, before or after talking to LINE (LINE's own errors are `LineAPIError`).
public enum LoginError: Error, Sendable, Equatable {
    /// A PKCE verifier must be 43–128 characters of `[A-Za-z0-9-._~]`.
    case invalidCodeVerifier
    /// The scopes need `profile` or `openid`, and `email` needs `openid`.
    case invalidScopes
    /// The sealed pending authorization was altered, is for another key, or is not one.
    case invalidSealedAuthorization
    /// The sealed pending authorization is older than its lifetime.
    case expiredAuthorization
    /// The access token was issued to another channel.
    case tokenForAnotherChannel(clientID: String)
    /// The access token has no time left.
    case tokenExpired
    /// The ID token failed a local check; `reason` says which.
    case invalidIDToken(IDTokenFailure)
    /// The `response` JWT of a JWT response mode failed a local check; `reason` says which.
    case invalidResponseJWT(IDTokenFailure)
}

/// Why an ID token was rejected locally.
public enum IDTokenFailure: String, Sendable, Equatable {
    case malformed
    case unsupportedAlgorithm
    case unexpectedAlgorithm
    case unknownKey
    case badSignature
    case wrongIssuer
    case wrongAudience
    case expired
    case issuedInTheFuture
    case missingNonce
    case wrongNonce
    case wrongSubject
    case authenticationTooOld
}
