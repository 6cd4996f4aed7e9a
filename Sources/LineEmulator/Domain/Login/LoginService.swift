import Foundation
import LineCore

/// LINE Login as a plain-Swift service: authorization, consent, tokens, ID tokens and the user APIs.
///
/// It knows no HTTP: it takes decoded parameters and returns values or throws `PlatformError`.
struct LoginService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let keys: SigningKeys
    /// The `iss` of ID tokens (`https://access.line.me` unless configured).
    let issuer: String
    /// Sends the linked account's `follow` when a user adds it on the consent page.
    let webhooks: WebhookService
    /// The codes issued lately by this instance, redeemed without a read (shared by the copies of this service).
    let issuedCodes = IssuedCodes()

    static let codeLifetime: TimeInterval = 10 * 60
    static let accessTokenLifetime: TimeInterval = 30 * 24 * 3600
    static let refreshTokenLifetime: TimeInterval = 90 * 24 * 3600
    /// Decision (docs/FIDELITY.md, "v2.0 refresh"): v2.0 refresh tokens live until 10 days after the access token expires.
    static let v2RefreshTokenLifetime: TimeInterval = 40 * 24 * 3600
    static let idTokenLifetime: TimeInterval = 3600
    static let consentFormLifetime: TimeInterval = 3600

    /// The LINE Login channel with `id`, or `nil` for unknown IDs and Messaging API channels.
    func loginChannel(_ id: String?) async throws -> Channel? {
        guard let id, !id.isEmpty, let channel = try await store.channel(id: id), channel.kind == .login else { return nil }
        return channel
    }

    /// A new opaque access token in JWS form (LINE's v2.1 tokens are JWS; its verify endpoint says "not JWS" otherwise).
    func makeAccessToken(channelID: String, kind: String) -> String {
        let payload = #"{"iss":"linekit-emulator","kind":"\#(kind)","chn":"\#(channelID)","jti":"\#(Randomness.alphanumeric(24))"}"#
        return keys.sealToken(Data(payload.utf8), purpose: Self.accessTokenPurpose)
    }

    /// Whether `token` is a user access token made by ``makeAccessToken(channelID:kind:)`` (its sealed payload says
    /// so): the endpoints that take a channel or a user token need not look it up among the channel tokens.
    func isUserAccessToken(_ token: String) -> Bool {
        guard let payload = keys.openToken(token, purpose: Self.accessTokenPurpose),
            let sealed = try? JSONDecoder().decode(SealedAccessToken.self, from: payload)
        else { return false }
        return sealed.kind == "user"
    }

    private static let accessTokenPurpose = "access-token"

    /// The part of a sealed access token's payload that tells its kind.
    private struct SealedAccessToken: Decodable {
        var kind: String
    }

    /// Whether `token` is well-formed as LINE's access tokens are: 1 to 2,048 characters of the base64 and base64url
    /// alphabets and `.` (LINE's examples: `bNl4YEFPI/hjFWhTqexp4MuEw5YPs…`, `W1TeHCgfH2Liwa…`, `eyJhbGci….…`).
    static func isWellFormedToken(_ token: String) -> Bool {
        (1...2048).contains(token.utf8.count)
            && token.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                    true
                default:
                    false
                }
            }
    }

    /// Whether `token` has the three-part JWS shape of the emulator's access tokens.
    static func looksLikeJWS(_ token: String) -> Bool {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && Base64URL.decode(utf8: $0) != nil }
    }

    /// Checks `client_secret` by LINE's app-type rule: required for web-only channels; for mobile app types it is
    /// ignored (code exchange, refresh and revoke alike), unless `checkWhenPresent` (LINE Login v2.0, where every
    /// field is required) and it is wrong. See docs/FIDELITY.md, "Client authentication for native channels".
    func authenticateClient(_ channel: Channel, secret: String?, checkWhenPresent: Bool) throws(PlatformError) {
        switch (channel.requiresClientSecret, secret) {
        case (true, nil), (true, ""):
            throw .invalidClient("client_secret is required")
        case (true, let secret?):
            guard constantTimeEquals(secret, channel.channelSecret) else { throw .invalidClient("invalid client_secret") }
        case (false, let secret?) where checkWhenPresent && !secret.isEmpty:
            guard constantTimeEquals(secret, channel.channelSecret) else { throw .invalidClient("invalid client_secret") }
        default:
            break
        }
    }
}
