import Foundation

/// A `ChannelTokenStore` in this process's memory: the default, shared by the providers of one process. An actor, so
/// every method runs alone and the store's invariants hold as written on the protocol.
public actor InMemoryChannelTokenStore: ChannelTokenStore {
    private var states: [ChannelTokenSlot: ChannelTokenSlotState] = [:]
    private var generations: [ChannelTokenSlot: Int64] = [:]

    public init() {}

    public func sharedToken(for slot: ChannelTokenSlot) -> SharedChannelToken? { states[slot]?.token }

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

    public func releaseClaim(_ lease: ChannelTokenLease) {
        guard states[lease.slot]?.lease?.leaseID == lease.leaseID else { return }
        states[lease.slot]?.lease = nil
    }

    public func markBad(_ slot: ChannelTokenSlot, generation: Int64) -> Bool {
        guard let token = states[slot]?.token, token.generation == generation, !token.isBad else { return false }
        states[slot]?.token?.isBad = true
        return true
    }

    public func removeSharedToken(for slot: ChannelTokenSlot) -> SharedChannelToken? {
        states.removeValue(forKey: slot)?.token
    }

    public func slots(channelID: String?) -> [ChannelTokenSlotState] {
        states.values
            .filter { ($0.token != nil || $0.lease != nil) && (channelID == nil || $0.slot.channelID == channelID) }
            .sorted { ($0.slot.channelID, $0.slot.kind.rawValue) < ($1.slot.channelID, $1.slot.kind.rawValue) }
    }
}
