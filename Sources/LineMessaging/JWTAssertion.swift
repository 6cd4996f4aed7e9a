import Foundation
import JWTKit

/// Builds the signed JWT LINE asks for when issuing v2.1 and stateless channel access tokens (LINE's *Issue channel access token v2.1* page):
/// RS256 with your assertion key, `kid` from the console, `iss` = `sub` = the channel ID, `aud`
/// `https://api.line.me/`, `exp` at most 30 minutes ahead, and `token_exp` in seconds (at most 30 days).
///
/// ```swift
/// let signer = JWTAssertionSigner(channelID: "1234567890", keyID: kidFromConsole, keys: pair)
/// let assertion = try await signer.assertion(tokenLifetime: .seconds(86_400))
/// ```
public struct JWTAssertionSigner: Sendable {
    /// The assertion's `aud`.
    public static let audience = "https://api.line.me/"
    /// LINE refuses assertions valid for longer than 30 minutes.
    public static let maximumAssertionLifetime: Duration = .seconds(30 * 60)
    /// LINE's longest `token_exp`: 30 days.
    public static let maximumTokenLifetime: Duration = .seconds(30 * 24 * 3600)

    /// The channel: the assertion's `iss` and `sub`.
    public var channelID: String
    /// The `kid` the console gave for the registered public key.
    public var keyID: String
    /// The key pair whose private key signs.
    public var keys: AssertionKeyPair
    /// How long the assertion itself is valid (at most 30 minutes). Default 25 minutes, leaving room for clock skew
    /// between this server and LINE's, which refuses assertions that expire more than 30 minutes ahead.
    public var assertionLifetime: Duration

    /// A signer for one channel and assertion key.
    ///
    /// - Parameters:
    ///   - channelID: the channel: the assertion's `iss` and `sub`.
    ///   - keyID: the `kid` the console gave for the registered public key.
    ///   - keys: the key pair whose private key signs.
    ///   - assertionLifetime: how long each assertion is valid (capped at 30 minutes).
    public init(channelID: String, keyID: String, keys: AssertionKeyPair, assertionLifetime: Duration = .seconds(25 * 60)) {
        self.channelID = channelID
        self.keyID = keyID
        self.keys = keys
        self.assertionLifetime = min(assertionLifetime, Self.maximumAssertionLifetime)
    }

    /// A signed assertion (RS256, signed by jwt-kit). `tokenLifetime` (the `token_exp` claim, for v2.1 tokens) must
    /// be 1 second to 30 days.
    ///
    /// - Parameters:
    ///   - tokenLifetime: the lifetime of the token to issue (`token_exp`); `nil` for stateless tokens.
    ///   - now: the time the assertion's `exp` counts from.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/tokenLifetimeOutOfRange``, or jwt-kit's error if signing fails.
    public func assertion(tokenLifetime: Duration? = nil, now: Date = Date()) async throws -> String {
        var claims = AssertionClaims(
            iss: channelID,
            sub: channelID,
            aud: Self.audience,
            exp: Int(now.timeIntervalSince1970) + Int(assertionLifetime.components.seconds)
        )
        if let tokenLifetime {
            let seconds = Int(tokenLifetime.components.seconds)
            guard seconds >= 1, tokenLifetime <= Self.maximumTokenLifetime else { throw MessagingError.tokenLifetimeOutOfRange(seconds) }
            claims.tokenExp = seconds
        }
        let collection = JWTKeyCollection()
        await collection.add(rsa: keys.privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        var header = JWTHeader()
        header.typ = "JWT"
        return try await collection.sign(claims, kid: JWKIdentifier(string: keyID), header: header)
    }
}

/// The claims LINE reads from an assertion (LINE's *Issue channel access token v2.1* page).
struct AssertionClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var tokenExp: Int?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp
        case tokenExp = "token_exp"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
