import Foundation
import LineCore
import Logging

/// Where a `ChannelTokenProvider` keeps the tokens it issued, so a restart (or another instance sharing the store)
/// reuses them instead of issuing new ones against LINE's caps.
public protocol ChannelTokenStore: Sendable {
    func tokens(channelID: String) async throws -> [ChannelAccessToken]
    func save(_ token: ChannelAccessToken) async throws
    func remove(accessToken: String) async throws
}

/// A `ChannelTokenStore` in this process's memory.
public actor InMemoryChannelTokenStore: ChannelTokenStore {
    private var byChannel: [String: [ChannelAccessToken]] = [:]

    public init() {}

    public func tokens(channelID: String) -> [ChannelAccessToken] { byChannel[channelID] ?? [] }

    public func save(_ token: ChannelAccessToken) {
        byChannel[token.channelID, default: []].removeAll { $0.accessToken == token.accessToken }
        byChannel[token.channelID, default: []].append(token)
    }

    public func remove(accessToken: String) {
        for channel in byChannel.keys { byChannel[channel]?.removeAll { $0.accessToken == accessToken } }
    }
}

/// Hands out a valid channel access token, issuing one only when the cached one is about to expire — with a single
/// request in flight however many tasks ask — as LINE asks apps to do (reuse tokens; do not issue one per request).
///
/// ```swift
/// let provider = ChannelTokenProvider(channelID: id, credential: .secret(secret), client: tokens)
/// let token = try await provider.token()      // cached until renewal time
/// try await provider.revokeIssued()           // on shutdown
/// ```
public actor ChannelTokenProvider {
    /// How the provider proves it is the channel.
    public enum Credential: Sendable {
        /// Short-lived tokens (30 days) with the channel secret.
        case secret(String)
        /// v2.1 tokens (the lifetime you choose, at most 30 days) with a JWT assertion; the secret is needed to revoke.
        case assertion(JWTAssertionSigner, tokenLifetime: Duration, channelSecret: String)
        /// Stateless tokens (15 minutes) with the channel secret.
        case statelessSecret(String)
    }

    public let channelID: String
    public let credential: Credential
    /// Renew when less than this fraction of the lifetime is left (default 0.2), or less than `minimumRemaining`.
    public let renewalFraction: Double
    public let minimumRemaining: Duration
    private let client: ChannelAccessTokenClient
    private let store: any ChannelTokenStore
    private let now: @Sendable () -> Date
    private let logger: Logger?
    private var inFlight: Task<ChannelAccessToken, any Error>?
    private var cached: ChannelAccessToken?
    private var issuedHere: [String] = []

    public init(
        channelID: String,
        credential: Credential,
        client: ChannelAccessTokenClient,
        store: any ChannelTokenStore = InMemoryChannelTokenStore(),
        renewalFraction: Double = 0.2,
        minimumRemaining: Duration = .seconds(60),
        logger: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.channelID = channelID
        self.credential = credential
        self.client = client
        self.store = store
        self.renewalFraction = min(max(renewalFraction, 0), 0.9)
        self.minimumRemaining = minimumRemaining
        self.logger = logger
        self.now = now
    }

    /// A token with enough life left, from the store when it has one, otherwise newly issued (once for all callers).
    public func token() async throws -> ChannelAccessToken {
        if let cached, !needsRenewal(cached, at: now()) { return cached }
        if let inFlight { return try await inFlight.value }
        // One task looks in the store and, if nothing there will do, issues; everyone asking meanwhile waits for it.
        let task = Task {
            if let reusable = try await self.reusableToken() { return reusable }
            return try await self.issue()
        }
        inFlight = task
        defer { inFlight = nil }
        let token = try await task.value
        cached = token
        return token
    }

    /// Drops a token the API refused (401), so the next `token()` issues a new one.
    public func invalidate(_ token: ChannelAccessToken) async throws {
        if cached?.accessToken == token.accessToken { cached = nil }
        try await store.remove(accessToken: token.accessToken)
    }

    /// Revokes the tokens this provider issued (stateless tokens cannot be revoked and are just forgotten).
    public func revokeIssued() async throws {
        for accessToken in issuedHere {
            switch credential {
            case .secret: try await client.revokeShortLived(accessToken)
            case .assertion(_, _, let secret): try await client.revoke(accessToken, channelID: channelID, channelSecret: secret)
            case .statelessSecret: break
            }
            try await store.remove(accessToken: accessToken)
        }
        issuedHere.removeAll()
        cached = nil
    }

    private func reusableToken() async throws -> ChannelAccessToken? {
        let current = now()
        let candidates = try await store.tokens(channelID: channelID).filter { $0.kind == kind }
        return candidates.filter { needsRenewal($0, at: current) == false }.max { $0.expiresAt < $1.expiresAt }
    }

    private var kind: ChannelAccessToken.Kind {
        switch credential {
        case .secret: .shortLived
        case .assertion: .v21
        case .statelessSecret: .stateless
        }
    }

    private var lifetime: TimeInterval {
        switch credential {
        case .secret: 30 * 24 * 3600
        case .assertion(_, let lifetime, _): TimeInterval(lifetime.components.seconds)
        case .statelessSecret: 15 * 60
        }
    }

    private func needsRenewal(_ token: ChannelAccessToken, at time: Date) -> Bool {
        let remaining = token.expiresAt.timeIntervalSince(time)
        let threshold = max(lifetime * renewalFraction, TimeInterval(minimumRemaining.components.seconds))
        return remaining <= threshold
    }

    private func issue() async throws -> ChannelAccessToken {
        let issued: LineResponse<ChannelAccessToken>
        switch credential {
        case .secret(let secret):
            issued = try await client.issueShortLived(channelID: channelID, channelSecret: secret)
        case .assertion(let signer, let tokenLifetime, _):
            issued = try await client.issue(assertion: try signer.assertion(tokenLifetime: tokenLifetime, now: now()), channelID: channelID)
        case .statelessSecret(let secret):
            issued = try await client.issueStateless(channelID: channelID, channelSecret: secret)
        }
        try await store.save(issued.value)
        if kind != .stateless { issuedHere.append(issued.value.accessToken) }
        logger?.info(
            "issued a channel access token",
            metadata: [
                GuidelineLog.requestIDKey: .string(issued.requestID ?? "-"), "line.channel_id": .string(channelID),
                "line.token_kind": .string(kind.rawValue),
            ]
        )
        return issued.value
    }
}
