import Foundation

/// A `ChannelTokenStore` in this process's memory: the default, shared by the providers of one process. An actor, so
/// every method runs alone and the store's invariants hold as written on the protocol.
public actor InMemoryChannelTokenStore: ChannelTokenStore {
    private var states: [ChannelTokenSlot: ChannelTokenSlotState] = [:]
    private var generations: [ChannelTokenSlot: Int64] = [:]

    /// An empty store, shared by the providers of this process that are given it.
    public init() {}

    /// The token published for `slot`, bad or not, or `nil` (see `ChannelTokenStore.sharedToken(for:)`).
    ///
    /// - Parameter slot: the channel and kind.
    public func sharedToken(for slot: ChannelTokenSlot) -> SharedChannelToken? { states[slot]?.token }

    /// Claims the right to issue the next token of `slot` (see `ChannelTokenStore.claimIssue`).
    ///
    /// - Parameters:
    ///   - slot: the channel and kind.
    ///   - owner: the claimant's `ownerID`.
    ///   - now: the claimant's time.
    ///   - leaseUntil: when a granted lease lapses.
    ///   - staleBefore: a published token expiring before this is not fresh.
    public func claimIssue(
        for slot: ChannelTokenSlot,
        owner: String,
        now: Date,
        leaseUntil: Date,
        staleBefore: Date
    ) -> ChannelTokenClaim {
        let (claim, next) = (states[slot] ?? ChannelTokenSlotState(slot: slot, token: nil, lease: nil))
            .claim(owner: owner, now: now, leaseUntil: leaseUntil, staleBefore: staleBefore)
        states[slot] = next
        return claim
    }

    /// Publishes the token issued under `lease`; `nil` when the lease was lost (see `ChannelTokenStore.publish`).
    ///
    /// - Parameters:
    ///   - token: the token sealed for the store.
    ///   - lease: the lease it was issued under.
    ///   - now: the publisher's time.
    public func publish(_ token: SealedChannelToken, under lease: ChannelTokenLease, now: Date) -> SharedChannelToken? {
        guard var state = states[lease.slot], state.lease?.leaseID == lease.leaseID else { return nil }
        let generation = (generations[lease.slot] ?? 0) + 1
        generations[lease.slot] = generation
        let shared = SharedChannelToken(
            slot: lease.slot,
            generation: generation,
            sealedToken: token.sealedToken,
            expiresAt: token.expiresAt,
            keyID: token.keyID,
            issuedBy: lease.owner,
            issuedAt: now,
            isBad: false
        )
        state.token = shared
        state.lease = nil
        states[lease.slot] = state
        return shared
    }

    /// Ends `lease` without publishing (see `ChannelTokenStore.releaseClaim`).
    ///
    /// - Parameter lease: the lease to end; a later lease is untouched.
    public func releaseClaim(_ lease: ChannelTokenLease) {
        guard states[lease.slot]?.lease?.leaseID == lease.leaseID else { return }
        states[lease.slot]?.lease = nil
    }

    /// Marks the token of `generation` bad; `true` for the one caller that did (see `ChannelTokenStore.markBad`).
    ///
    /// - Parameters:
    ///   - slot: the channel and kind.
    ///   - generation: the generation LINE refused.
    public func markBad(_ slot: ChannelTokenSlot, generation: Int64) -> Bool {
        guard let token = states[slot]?.token, token.generation == generation, !token.isBad else { return false }
        states[slot]?.token?.isBad = true
        return true
    }

    /// Removes the slot's token and lease, returning the token (see `ChannelTokenStore.removeSharedToken`).
    ///
    /// - Parameter slot: the channel and kind.
    public func removeSharedToken(for slot: ChannelTokenSlot) -> SharedChannelToken? {
        states.removeValue(forKey: slot)?.token
    }

    /// Every slot with a token or a lease, ordered by channel and kind.
    ///
    /// - Parameter channelID: one channel, or `nil` for all.
    public func slots(channelID: String?) -> [ChannelTokenSlotState] {
        states.values
            .filter { ($0.token != nil || $0.lease != nil) && (channelID == nil || $0.slot.channelID == channelID) }
            .sorted { ($0.slot.channelID, $0.slot.kind.rawValue) < ($1.slot.channelID, $1.slot.kind.rawValue) }
    }
}
