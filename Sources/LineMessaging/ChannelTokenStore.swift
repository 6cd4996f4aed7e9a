import Foundation

/// One shared token slot: a channel and a kind of token. A fleet shares at most one live token per slot.
public struct ChannelTokenSlot: Hashable, Sendable, CustomStringConvertible {
    /// The channel the token belongs to.
    public var channelID: String
    /// The kind of token (short-lived, v2.1 or stateless): each kind has its own shared token.
    public var kind: ChannelAccessToken.Kind

    /// The slot of one channel and kind.
    ///
    /// - Parameters:
    ///   - channelID: the channel the token belongs to.
    ///   - kind: the kind of token.
    public init(channelID: String, kind: ChannelAccessToken.Kind) {
        self.channelID = channelID
        self.kind = kind
    }

    /// `channelID/kind`, for logs and errors.
    public var description: String { "\(channelID)/\(kind.rawValue)" }
}

/// The right to issue the next token of a slot, held by one process until `expiresAt`.
public struct ChannelTokenLease: Sendable, Equatable {
    /// The slot whose next token the holder may issue.
    public var slot: ChannelTokenSlot
    /// Who holds it: the provider's `ownerID` (host, process and instance).
    public var owner: String
    /// Unique per claim, so a holder whose lease lapsed and was claimed again cannot publish over the new holder.
    public var leaseID: String
    /// When the lease lapses, on the claimant's clock: after that another process may claim.
    public var expiresAt: Date

    /// A lease as a store grants it (stores build these in `claimIssue`).
    ///
    /// - Parameters:
    ///   - slot: the slot whose next token the holder may issue.
    ///   - owner: the provider's `ownerID`.
    ///   - leaseID: unique per claim.
    ///   - expiresAt: when the lease lapses.
    public init(slot: ChannelTokenSlot, owner: String, leaseID: String, expiresAt: Date) {
        self.slot = slot
        self.owner = owner
        self.leaseID = leaseID
        self.expiresAt = expiresAt
    }
}

/// A token as the shared store keeps it: sealed, with what coordination and operators need in the clear.
public struct SharedChannelToken: Sendable, Equatable {
    /// The slot the token is shared in.
    public var slot: ChannelTokenSlot
    /// Goes up by one with every publication: names exactly one token of the slot (see `markBad`).
    public var generation: Int64
    /// The token sealed with the app's key (`ChannelTokenSealer`); never the token itself.
    public var sealedToken: Data
    /// When the token stops working at LINE.
    public var expiresAt: Date
    /// The key ID LINE returned for a v2.1 token.
    public var keyID: String?
    /// The owner ID of the process that issued and published it.
    public var issuedBy: String
    /// When it was published, on the publisher's clock.
    public var issuedAt: Date
    /// LINE refused it (401): nobody should use it, and the next claim replaces it.
    public var isBad: Bool

    /// A shared token as a store reads it back.
    ///
    /// - Parameters:
    ///   - slot: the slot the token is shared in.
    ///   - generation: its publication number in the slot.
    ///   - sealedToken: the token sealed with the app's key.
    ///   - expiresAt: when it stops working at LINE.
    ///   - keyID: the key ID LINE returned for a v2.1 token.
    ///   - issuedBy: the owner ID of the process that published it.
    ///   - issuedAt: when it was published.
    ///   - isBad: whether LINE refused it (401).
    public init(
        slot: ChannelTokenSlot,
        generation: Int64,
        sealedToken: Data,
        expiresAt: Date,
        keyID: String?,
        issuedBy: String,
        issuedAt: Date,
        isBad: Bool
    ) {
        self.slot = slot
        self.generation = generation
        self.sealedToken = sealedToken
        self.expiresAt = expiresAt
        self.keyID = keyID
        self.issuedBy = issuedBy
        self.issuedAt = issuedAt
        self.isBad = isBad
    }

    /// Usable by everyone until `staleBefore`: published, not marked bad, and expiring after that time.
    ///
    /// - Parameter staleBefore: the time before which a token is too close to expiry.
    public func isFresh(staleBefore: Date) -> Bool { !isBad && expiresAt > staleBefore }
}

/// A token sealed for the store, before the store numbers it (see `ChannelTokenStore.publish`).
public struct SealedChannelToken: Sendable, Equatable {
    /// The token sealed with the app's key (`ChannelTokenSealer`).
    public var sealedToken: Data
    /// When the token stops working at LINE.
    public var expiresAt: Date
    /// The key ID LINE returned for a v2.1 token.
    public var keyID: String?

    /// A sealed token, ready to publish.
    ///
    /// - Parameters:
    ///   - sealedToken: the token sealed with the app's key.
    ///   - expiresAt: when the token stops working at LINE.
    ///   - keyID: the key ID LINE returned for a v2.1 token.
    public init(sealedToken: Data, expiresAt: Date, keyID: String?) {
        self.sealedToken = sealedToken
        self.expiresAt = expiresAt
        self.keyID = keyID
    }
}

/// The answer to a claim.
public enum ChannelTokenClaim: Sendable, Equatable {
    /// A fresh token is published: use it, issue nothing.
    case fresh(SharedChannelToken)
    /// You hold the lease: issue, then `publish` (or `releaseClaim` if issuing failed). `current` is the token being
    /// replaced, if any.
    case granted(ChannelTokenLease, current: SharedChannelToken?)
    /// Another process holds an unexpired lease and is issuing; `current` is the stale or bad token it replaces.
    case held(ChannelTokenLease, current: SharedChannelToken?)
}

/// What an operator sees of a slot.
public struct ChannelTokenSlotState: Sendable, Equatable {
    /// The channel and kind.
    public var slot: ChannelTokenSlot
    /// The token published, bad or not, if any.
    public var token: SharedChannelToken?
    /// The lease last claimed, if not yet published or released (it may have lapsed: compare `expiresAt`).
    public var lease: ChannelTokenLease?

    /// What a store holds of one slot.
    ///
    /// - Parameters:
    ///   - slot: the channel and kind.
    ///   - token: the token published, if any.
    ///   - lease: the lease last claimed, if not yet published or released.
    public init(slot: ChannelTokenSlot, token: SharedChannelToken?, lease: ChannelTokenLease?) {
        self.slot = slot
        self.token = token
        self.lease = lease
    }
}

/// Where the providers of a fleet coordinate: one shared live token per slot (channel and kind), the lease that lets
/// exactly one process issue its successor, and the tokens marked bad. Tokens are held sealed only.
///
/// Every method is atomic with respect to every other call on the same slot, from any process sharing the store.
/// Times are the callers' (`now`), so the hosts of a fleet must agree on the time to well within a lease.
public protocol ChannelTokenStore: Sendable {
    /// The token published for `slot`, bad or not, or `nil` when none is.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time.
    func sharedToken(for slot: ChannelTokenSlot) async throws -> SharedChannelToken?

    /// Claims the right to issue the next token of `slot`.
    ///
    /// Invariant: answers `.fresh` when the published token is fresh (not bad, expiring after `staleBefore`);
    /// otherwise grants a new lease (ID unique, held by `owner` until `leaseUntil`) only when no other lease is
    /// unexpired at `now`, and answers `.held` with that other lease when one is. So at most one lease of a slot is
    /// unexpired at any time, and none is granted while a fresh token is published.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time; whether the change was made is then unknown (read the slot to learn it).
    func claimIssue(
        for slot: ChannelTokenSlot,
        owner: String,
        now: Date,
        leaseUntil: Date,
        staleBefore: Date
    ) async throws -> ChannelTokenClaim

    /// Publishes the token issued under `lease` as the slot's shared token and ends the lease.
    ///
    /// Invariant: succeeds only while `lease` is the slot's current lease (even lapsed, as long as nobody claimed
    /// after it); then the token replaces the previous one with the next generation, not bad, and is returned.
    /// Otherwise nothing changes and `nil` is returned: the caller lost its lease and must not hand the token out.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time; whether the change was made is then unknown (read the slot to learn it).
    func publish(_ token: SealedChannelToken, under lease: ChannelTokenLease, now: Date) async throws -> SharedChannelToken?

    /// Ends `lease` without publishing (issuing failed), so the next claim need not wait for it to lapse.
    ///
    /// Invariant: only the lease with this ID is ended; a later lease of another owner is untouched.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time; whether the change was made is then unknown (read the slot to learn it).
    func releaseClaim(_ lease: ChannelTokenLease) async throws

    /// Marks the slot's token of `generation` bad (LINE refused it), for every process sharing the store.
    ///
    /// Invariant: returns `true` for exactly one caller per generation — the one that changed it from good to bad;
    /// `false` when that generation is already bad or no longer the published one. A bad token is never `.fresh`.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time; whether the change was made is then unknown (read the slot to learn it).
    func markBad(_ slot: ChannelTokenSlot, generation: Int64) async throws -> Bool

    /// Removes the slot's shared token and any lease (a fleet-wide revocation), returning the token removed.
    ///
    /// Invariant: afterwards the slot has no token and no lease; a publication under a lease claimed before this call
    /// fails, so a revoked slot is not refilled by an issue that was already in flight.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time; whether the change was made is then unknown (read the slot to learn it).
    func removeSharedToken(for slot: ChannelTokenSlot) async throws -> SharedChannelToken?

    /// Every slot with a token or a lease, of one channel or (with `nil`) all, ordered by channel and kind.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/storeUnavailable`` when the store cannot be reached
    ///   or does not answer in time.
    func slots(channelID: String?) async throws -> [ChannelTokenSlotState]
}

extension ChannelTokenSlotState {
    /// The rule of `ChannelTokenStore.claimIssue` applied to this state, for a store holding the slot locked: the
    /// answer, and the state to write back (a new lease when granted).
    ///
    /// - Parameters:
    ///   - owner: the claimant's `ownerID`.
    ///   - now: the claimant's time.
    ///   - leaseUntil: when a granted lease lapses.
    ///   - staleBefore: a published token expiring before this is not fresh.
    public func claim(owner: String, now: Date, leaseUntil: Date, staleBefore: Date) -> (ChannelTokenClaim, ChannelTokenSlotState) {
        if let token, token.isFresh(staleBefore: staleBefore) { return (.fresh(token), self) }
        if let lease, lease.expiresAt > now { return (.held(lease, current: token), self) }
        let granted = ChannelTokenLease(slot: slot, owner: owner, leaseID: UUID().uuidString, expiresAt: leaseUntil)
        var next = self
        next.lease = granted
        return (.granted(granted, current: token), next)
    }
}
