import Foundation
import LineCore
import Logging

/// Hands out a valid channel access token, shared by every provider of the same `ChannelTokenStore` — the tasks of
/// one process, or every instance of a fleet — as LINE asks apps to do (reuse tokens; do not issue one per request).
///
/// One live token per channel and kind is shared. When none is valid, or it is near expiry, exactly one provider
/// claims the store's lease and issues the next one; the others poll the store (with backoff) and reuse it, going on
/// with the old token while it is still valid. A provider that dies while issuing blocks the others for at most
/// `lease`. A 401 on the shared token (`invalidate`) marks it bad for everyone and causes one reissue. Stopping a
/// provider never revokes the shared token: `revokeSharedToken()` is the explicit, fleet-wide call.
///
/// ```swift
/// let store = PostgresChannelTokenStore(client: postgres)            // LineMessagingPostgres, or your own store
/// let provider = ChannelTokenProvider(
///     channelID: id, credential: .secret(secret), client: tokens,
///     store: store, sealer: ChannelTokenSealer(key: sealingKey))     // the same key in every instance
/// let token = try await provider.token()                             // shared by the fleet until renewal time
/// // As a Service, it renews ahead of expiry in the background: ServiceGroup(services: [provider, app], …)
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

    /// The channel whose tokens this provider hands out.
    public let channelID: String
    /// How the provider proves it is the channel when it issues and revokes.
    public let credential: Credential
    /// Renew when less than this fraction of the lifetime is left (default 0.2), or less than `minimumRemaining`.
    public let renewalFraction: Double
    /// Renew when less than this is left, whatever `renewalFraction` says (default 60 seconds).
    public let minimumRemaining: Duration
    /// How long a claim to issue holds the others back: the most a provider that dies while issuing delays them.
    public let lease: Duration
    /// How often a cached token is checked against the store (so a revocation or a 401 elsewhere is seen), and how
    /// often `run()` looks whether renewal is due.
    public let recheckInterval: Duration
    /// Identifies this provider in the store's leases and published tokens (host, process, instance).
    public let ownerID: String
    let client: ChannelAccessTokenClient
    let store: any ChannelTokenStore
    let sealer: ChannelTokenSealer
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger?
    private var inFlight: Task<Held, any Error>?
    private var cached: Held?

    /// A token this provider hands out, with the store generation it came from.
    private struct Held: Sendable {
        var token: ChannelAccessToken
        var generation: Int64
        var checkedAt: Date
    }

    /// A provider of one channel's tokens, sharing them through `store` with every provider given the same store.
    ///
    /// - Parameters:
    ///   - channelID: the channel whose tokens to hand out.
    ///   - credential: how to prove it is the channel (the kind of token follows from it).
    ///   - client: the client that issues and revokes tokens at LINE.
    ///   - store: where the providers sharing tokens coordinate; by default one of this provider's own.
    ///   - sealer: seals tokens for the store; every process sharing a store must use the same key.
    ///   - renewalFraction: renew when less than this fraction of the lifetime is left (default 0.2, at most 0.9).
    ///   - minimumRemaining: renew when less than this is left, whatever the fraction says (default 60 seconds).
    ///   - lease: how long a claim to issue may block the others (default 30 seconds).
    ///   - recheckInterval: how often a cached token is checked against the store, and `run()` looks whether renewal
    ///     is due (default 10 seconds).
    ///   - ownerID: names this provider in leases and published tokens; by default `defaultOwnerID()`.
    ///   - logger: where issues, renewals and failures are logged (tokens masked); `nil` logs nothing.
    ///   - now: the clock, injectable so renewal is tested without waiting.
    ///   - sleep: how waiting is done (polling the store, `run()`'s interval).
    public init(
        channelID: String,
        credential: Credential,
        client: ChannelAccessTokenClient,
        store: any ChannelTokenStore = InMemoryChannelTokenStore(),
        sealer: ChannelTokenSealer = .processLocal,
        renewalFraction: Double = 0.2,
        minimumRemaining: Duration = .seconds(60),
        lease: Duration = .seconds(30),
        recheckInterval: Duration = .seconds(10),
        ownerID: String = ChannelTokenProvider.defaultOwnerID(),
        logger: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.channelID = channelID
        self.credential = credential
        self.client = client
        self.store = store
        self.sealer = sealer
        self.renewalFraction = min(max(renewalFraction, 0), 0.9)
        self.minimumRemaining = minimumRemaining
        self.lease = lease
        self.recheckInterval = recheckInterval
        self.ownerID = ownerID
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    /// `host:pid:random`, unique per provider.
    public static func defaultOwnerID() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The channel and kind this provider's tokens share in the store.
    public nonisolated var slot: ChannelTokenSlot { ChannelTokenSlot(channelID: channelID, kind: kind) }

    /// The shared token, while it has enough life left; otherwise the next one, issued once for the whole fleet.
    ///
    /// - Throws: LINE's error when issuing fails; ``MessagingError`` with ``MessagingError/Code/storeUnavailable`` when
    ///   the store cannot be reached, ``MessagingError/Code/sealedTokenUnreadable`` when the shared token does not open
    ///   with this provider's key, or ``MessagingError/Code/timedOutWaitingForToken`` when another provider holds the
    ///   claim without publishing.
    public func token() async throws -> ChannelAccessToken {
        let time = now()
        if let cached, !needsRenewal(cached.token, at: time), time.timeIntervalSince(cached.checkedAt) < recheckInterval.seconds {
            return cached.token
        }
        if let inFlight { return try await inFlight.value.token }
        let task = Task { try await self.acquire() }
        inFlight = task
        defer { inFlight = nil }
        let held = try await task.value
        cached = held
        return held.token
    }

    /// Reports a token the API refused (401): marks it bad for every provider sharing the store, so the next
    /// `token()` anywhere causes exactly one reissue.
    ///
    /// - Parameter token: the token LINE refused; nothing happens unless it is the shared one.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/storeUnavailable`` when the store cannot be reached.
    public func invalidate(_ token: ChannelAccessToken) async throws {
        if let cached, cached.token.accessToken == token.accessToken {
            self.cached = nil
            _ = try await store.markBad(slot, generation: cached.generation)
        } else if let shared = try await store.sharedToken(for: slot), !shared.isBad,
            (try? sealer.open(shared))?.accessToken == token.accessToken
        {
            _ = try await store.markBad(slot, generation: shared.generation)
        }
    }

    /// The explicit, fleet-wide end: removes the shared token from the store and revokes it at LINE (stateless
    /// tokens cannot be revoked and are only removed). This provider issues anew on its next use; the other providers
    /// sharing the store keep handing out their cached (now revoked) token until it is older than their
    /// `recheckInterval` (10 seconds by default) or LINE refuses it (401, `invalidate`), then issue anew once for all.
    ///
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/storeUnavailable`` when the store cannot be reached or
    ///   ``MessagingError/Code/sealedTokenUnreadable`` when the token cannot be opened with this provider's key; LINE's
    ///   error when it refuses the revocation.
    public func revokeSharedToken() async throws {
        cached = nil
        guard let removed = try await store.removeSharedToken(for: slot) else { return }
        let token = try sealer.open(removed)
        try await revokeAtLINE(token)
        logger?.info("revoked the fleet's shared channel access token", metadata: metadata(token))
    }

    // MARK: Claiming, waiting and issuing

    /// Replaces the fleet's shared token now, ahead of its renewal time (after rotating the channel secret, say):
    /// once for the fleet — when another provider is already replacing it, its new token is returned.
    ///
    /// - Throws: LINE's error when issuing fails; ``MessagingError`` with ``MessagingError/Code/storeUnavailable`` when
    ///   the store cannot be reached, ``MessagingError/Code/sealedTokenUnreadable`` when the shared token does not open
    ///   with this provider's key, or ``MessagingError/Code/timedOutWaitingForToken`` when another provider holds the
    ///   claim without publishing.
    @discardableResult
    public func renew() async throws -> ChannelAccessToken {
        let replaced = try await store.sharedToken(for: slot)?.generation ?? 0
        let held = try await acquire(renewingPast: replaced)
        cached = held
        return held.token
    }

    /// Reads the store until a fresh token is there, issuing it when this provider wins the claim. With
    /// `renewingPast`, only a token of a later generation will do.
    private func acquire(renewingPast replaced: Int64? = nil) async throws -> Held {
        let waitStarted = ContinuousClock.now
        var delay = Duration.milliseconds(20)
        while true {
            let time = now()
            let claim = try await store.claimIssue(
                for: slot,
                owner: ownerID,
                now: time,
                leaseUntil: time.addingTimeInterval(lease.seconds),
                staleBefore: replaced == nil ? time.addingTimeInterval(renewalThreshold) : .distantFuture
            )
            switch claim {
            case .fresh(let shared):
                return Held(token: try sealer.open(shared), generation: shared.generation, checkedAt: time)
            case .granted(let lease, let current):
                if let replaced, let current, current.generation > replaced, !current.isBad {
                    try await store.releaseClaim(lease)  // renewed by another provider meanwhile
                    return Held(token: try sealer.open(current), generation: current.generation, checkedAt: time)
                }
                if let issued = try await issueAndPublish(under: lease) { return issued }
            case .held(let other, let current):
                // Renewal under way elsewhere: the current token is still good meanwhile.
                if replaced == nil, let current, current.isFresh(staleBefore: time.addingTimeInterval(Self.usableMargin)) {
                    return Held(token: try sealer.open(current), generation: current.generation, checkedAt: time)
                }
                guard ContinuousClock.now - waitStarted < lease * 2 else {
                    throw MessagingError.timedOutWaitingForToken(slot, lease: lease)
                }
                // Back off, but wake when the holder's lease lapses: a dead holder delays the others by its lease only.
                let untilLapse = Duration.milliseconds(max(Int(other.expiresAt.timeIntervalSince(time) * 1000), 0) + 10)
                try await sleep(min(delay, untilLapse))
                delay = min(delay * 2, Self.longestPoll)
            }
        }
    }

    /// Issues under `lease` and publishes; `nil` when the lease was lost meanwhile (the token issued is revoked then,
    /// so the fleet stays within LINE's caps). When `publish` throws, the store is read back: the token is kept if the
    /// publication committed, revoked if it certainly did not, and left to expire if the store cannot be read.
    private func issueAndPublish(under lease: ChannelTokenLease) async throws -> Held? {
        let issued: LineResponse<ChannelAccessToken>
        do {
            issued = try await issueAtLINE()
        } catch {
            try? await store.releaseClaim(lease)
            throw error
        }
        let sealed: SealedChannelToken
        do {
            sealed = try sealer.seal(issued.value)
        } catch {
            await revokeQuietly(issued.value)
            try? await store.releaseClaim(lease)
            throw error
        }
        let published: SharedChannelToken?
        do {
            published = try await store.publish(sealed, under: lease, now: now())
        } catch {
            // The store may have committed before failing (a timeout): revoking then would leave the fleet sharing a
            // revoked token, so revoke only what is certainly not published.
            switch await publication(of: issued.value, sealed: sealed) {
            case .published(let shared):
                logger?.info("the token store failed after publishing the fleet's token; keeping it", metadata: metadata(issued.value))
                return Held(token: issued.value, generation: shared.generation, checkedAt: now())
            case .notPublished:
                await revokeQuietly(issued.value)
                try? await store.releaseClaim(lease)
            case .unknown:
                logger?.warning(
                    "could not tell whether the token store published the issued token; not revoking it (it expires by itself)",
                    metadata: metadata(issued.value)
                )
            }
            throw error
        }
        guard let published else {
            logger?.warning("lost the issue lease before publishing; revoking the surplus token", metadata: metadata(issued.value))
            await revokeQuietly(issued.value)
            return nil
        }
        var details = metadata(issued.value)
        details[GuidelineLog.requestIDKey] = .string(issued.requestID ?? "-")
        details["line.token_generation"] = .stringConvertible(published.generation)
        logger?.info("issued the fleet's channel access token", metadata: details)
        return Held(token: issued.value, generation: published.generation, checkedAt: now())
    }

    /// What the store holds after a `publish` that threw.
    private enum Publication {
        /// The publication committed before the error: `shared` is the issued token.
        case published(SharedChannelToken)
        /// The store holds another token or none: the issued one is certainly not shared.
        case notPublished
        /// The store could not be read: the issued token may be the shared one.
        case unknown
    }

    /// Reads the store (a few tries, with backoff) to see whether `token`, sealed as `sealed`, is the published one.
    private func publication(of token: ChannelAccessToken, sealed: SealedChannelToken) async -> Publication {
        var delay = Duration.milliseconds(50)
        for attempt in 1...Self.publicationChecks {
            do {
                guard let shared = try await store.sharedToken(for: slot) else { return .notPublished }
                let isIssued = shared.sealedToken == sealed.sealedToken || (try? sealer.open(shared))?.accessToken == token.accessToken
                return isIssued ? .published(shared) : .notPublished
            } catch {
                guard attempt < Self.publicationChecks else { break }
                do { try await sleep(delay) } catch { break }
                delay = delay * 2
            }
        }
        return .unknown
    }

    /// How many times the store is read to learn whether a failed publication committed.
    private static let publicationChecks = 4

    /// Issues a token, its expiry on this provider's clock (`now`), which may differ from the system's.
    private func issueAtLINE() async throws -> LineResponse<ChannelAccessToken> {
        let (systemStart, start) = (Date(), now())
        var issued = try await issueWithCredential()
        issued.value.expiresAt = start.addingTimeInterval(issued.value.expiresAt.timeIntervalSince(systemStart))
        return issued
    }

    private func issueWithCredential() async throws -> LineResponse<ChannelAccessToken> {
        switch credential {
        case .secret(let secret):
            try await client.issueShortLived(channelID: channelID, channelSecret: secret)
        case .assertion(let signer, let tokenLifetime, _):
            try await client.issue(assertion: try signer.assertion(tokenLifetime: tokenLifetime, now: now()), channelID: channelID)
        case .statelessSecret(let secret):
            try await client.issueStateless(channelID: channelID, channelSecret: secret)
        }
    }

    private func revokeAtLINE(_ token: ChannelAccessToken) async throws {
        switch credential {
        case .secret: try await client.revokeShortLived(token.accessToken)
        case .assertion(_, _, let secret): try await client.revoke(token.accessToken, channelID: channelID, channelSecret: secret)
        case .statelessSecret: break
        }
    }

    private func revokeQuietly(_ token: ChannelAccessToken) async {
        do {
            try await revokeAtLINE(token)
        } catch {
            logger?.warning("could not revoke a surplus channel access token", metadata: metadata(token))
        }
    }

    // MARK: Renewal

    private nonisolated var kind: ChannelAccessToken.Kind {
        switch credential {
        case .secret: .shortLived
        case .assertion: .v2_1
        case .statelessSecret: .stateless
        }
    }

    private nonisolated var lifetime: TimeInterval {
        switch credential {
        case .secret: 30 * 24 * 3600
        case .assertion(_, let lifetime, _): lifetime.seconds
        case .statelessSecret: 15 * 60
        }
    }

    /// Renew when no more than this many seconds are left.
    private var renewalThreshold: TimeInterval { max(lifetime * renewalFraction, minimumRemaining.seconds) }

    /// The longest wait between two looks at the store while another provider issues.
    private static let longestPoll = Duration.milliseconds(500)

    /// A token being renewed elsewhere is still handed out while it has more than this left.
    private static let usableMargin: TimeInterval = 5

    private func needsRenewal(_ token: ChannelAccessToken, at time: Date) -> Bool {
        token.expiresAt.timeIntervalSince(time) <= renewalThreshold
    }

    private func metadata(_ token: ChannelAccessToken) -> Logger.Metadata {
        [
            "line.channel_id": .string(channelID), "line.token_kind": .string(kind.rawValue), "line.token": .string(token.masked),
            "line.token_owner": .string(ownerID),
        ]
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
