import Foundation

/// Channel access tokens. For now the emulator mints them through its admin API (for `/user/v1/deauthorize`);
/// LINE's issue, verify and revoke endpoints build on the same records.
struct ChannelTokenService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let login: LoginService

    /// The longest lifetime of each kind, in seconds (reference §4.1).
    static func maximumLifetime(of kind: ChannelAccessToken.Kind) -> TimeInterval {
        switch kind {
        case .shortLived: 30 * 24 * 3600
        case .jwt: 30 * 24 * 3600
        case .stateless: 15 * 60
        }
    }

    /// Mints a token of `kind` for `channelID` without LINE's request ceremony (admin API, tests).
    func mint(channelID: String, kind: ChannelAccessToken.Kind, lifetime: TimeInterval?) async throws -> ChannelAccessToken {
        guard try await store.channel(id: channelID) != nil else { throw PlatformError.message(404, "channel \(channelID) not found") }
        let maximum = Self.maximumLifetime(of: kind)
        let seconds = lifetime ?? maximum
        guard seconds > 0, seconds <= maximum else {
            throw PlatformError.message(400, "expiresIn must be between 1 and \(Int(maximum)) seconds for \(kind.rawValue) tokens")
        }
        let now = clock.now
        let token = ChannelAccessToken(
            accessToken: login.makeAccessToken(channelID: channelID, kind: kind.rawValue),
            kind: kind,
            channelID: channelID,
            keyID: kind == .jwt ? Randomness.alphanumeric(22) : nil,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(seconds),
            revokedAt: nil
        )
        try await store.insertChannelToken(token)
        return token
    }
}
