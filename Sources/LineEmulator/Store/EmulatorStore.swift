import Foundation

/// Everything the emulator persists. The domain layer talks only to this protocol, so the embedded SQLite store and
/// a shared PostgreSQL store are interchangeable.
///
/// Every method that writes has committed durably when it returns: the HTTP layer answers only afterwards.
package protocol EmulatorStore: Sendable {
    // MARK: Channels and users
    // A store may cache these rows, but a read made while serving a request sees every change acknowledged before
    // that request began, on any instance (PostgreSQL: each change bumps the operations version the request read).
    func channels() async throws -> [Channel]
    /// The channel, as fresh as the start of the current request (see above).
    func channel(id: String) async throws -> Channel?
    /// Inserts a channel; `false` when the ID is taken.
    func insertChannel(_ channel: Channel) async throws -> Bool
    /// Every user, as fresh as the start of the current request.
    func users() async throws -> [User]
    /// The user, as fresh as the start of the current request.
    func user(id: String) async throws -> User?
    /// Inserts a user; `false` when the ID is taken.
    func insertUser(_ user: User) async throws -> Bool
    /// Replaces a user's profile; `false` when there is no such user.
    func updateUser(_ user: User) async throws -> Bool

    // MARK: Consents and friendships
    func consents(userID: String) async throws -> [Consent]
    func consent(userID: String, channelID: String) async throws -> Consent?
    func isFriend(userID: String, channelID: String) async throws -> Bool
    func setFriend(userID: String, channelID: String, isFriend: Bool) async throws
    /// The channels whose LINE Official Account the user is a friend of.
    func friendChannels(userID: String) async throws -> [String]

    // MARK: LINE Login codes and tokens
    /// Stores a new authorization code and, when given, the consent the user has just granted for it (its scopes
    /// added to those granted to the channel before), in one transaction.
    func insertCode(_ code: AuthorizationCode, grantingConsent consent: Consent?) async throws
    /// The consent page's answer in one transaction: records that its form (the consent transaction `formID`) has been
    /// decided, as ``consumeConsentTransaction(_:validUntil:now:)`` does, and stores the code with the consent, as
    /// ``insertCode(_:grantingConsent:)`` does. When the form was decided before, `false` and nothing is stored: one
    /// form logs in at most one user once, also when instances sharing the store decide it at once.
    func insertCode(
        _ code: AuthorizationCode,
        grantingConsent consent: Consent,
        decidingForm formID: String,
        validUntil: Date,
        now: Date
    ) async throws -> Bool
    /// The code and whether it has been redeemed already.
    func authorizationCode(_ code: String) async throws -> (code: AuthorizationCode, isUsed: Bool)?
    /// Marks the code used and stores `token`, the first access token issued from it, in one transaction; a second
    /// redemption reports `.alreadyUsed` and stores nothing. So does a code whose user no longer consents to the
    /// channel (`.consentWithdrawn`): a deauthorize, however close, is never followed by a token from an older code
    /// (with concurrent writers, the redemption must be ordered against the deauthorize: by a lock on the consent row it
    /// reads, or on the code row, which the deauthorize locks before it deletes the codes not redeemed).
    func redeemCode(_ code: String, issuing token: UserAccessToken) async throws -> CodeRedemption
    /// Stores `token`, a new access token of the grant its `refreshToken` names, checking in the same transaction
    /// that the grant exists, is not revoked and has not expired at `token.issuedAt`.
    ///
    /// The invariant: an acknowledged revocation is final. No token is ever inserted into a grant revoked before or
    /// concurrently (by ``revokeGrant(refreshToken:at:)``, ``revokeGrants(issuedFromCode:at:)`` or
    /// ``deauthorize(userID:channelID:at:)``): the check and the insert are one atomic step, ordered against every
    /// revocation. A store with concurrent writers must make the refresh and each revocation take the same lock on
    /// the grant: under READ COMMITTED, a revoking `UPDATE` does not see a token inserted after its statement began.
    ///
    /// With `replacing` (LINE Login v2.0, which rotates refresh tokens), the grant checked is the one that refresh
    /// token names; `token` carries its successor, and the old refresh token and its access tokens are revoked in the
    /// same transaction, so exactly one of the two refresh tokens works at any moment.
    func refreshGrant(issuing token: UserAccessToken, replacing oldRefreshToken: String?) async throws -> RefreshOutcome
    func userToken(accessToken: String) async throws -> UserAccessToken?
    /// The newest access token of the grant the refresh token belongs to.
    func userToken(refreshToken: String) async throws -> UserAccessToken?
    /// Revokes the whole grant, for good: every token issued from the same authorization code, whichever of its
    /// refresh tokens is presented (with v2.0's rotation, an old one too), in one atomic write ordered against
    /// ``refreshGrant(issuing:replacing:)``. An unknown refresh token revokes nothing.
    func revokeGrant(refreshToken: String, at time: Date) async throws
    /// Revokes every grant issued from an authorization code (used on code replay), for good.
    func revokeGrants(issuedFromCode code: String, at time: Date) async throws
    /// Records that the consent transaction `id` (a consent form) has been decided; `true` only for the first call
    /// with an `id`, also when instances sharing the store decide at once, so one form logs in at most one user once.
    /// Records older than `validUntil` may be dropped after `now` passes it: the form is refused as expired by then.
    func consumeConsentTransaction(_ id: String, validUntil: Date, now: Date) async throws -> Bool
    /// The most recently issued user access tokens, newest first.
    func recentUserTokens(limit: Int) async throws -> [UserAccessToken]
    /// Deauthorizes: deletes the consent and the codes not redeemed yet, and revokes every grant of the user for the
    /// channel, for good, in one transaction. `false` if there was neither a consent nor a grant.
    func deauthorize(userID: String, channelID: String, at time: Date) async throws -> Bool

    // MARK: Channel access tokens and assertion keys
    /// Inserts a token unless `limit` unexpired, unrevoked tokens of its kind exist for the channel; with
    /// `revokeOldest` the oldest of them is revoked instead of refusing. `false` when refused. Atomic.
    func insertChannelToken(_ token: ChannelAccessToken, limit: Int?, revokeOldest: Bool) async throws -> Bool
    func channelToken(_ accessToken: String) async throws -> ChannelAccessToken?
    /// The channel's unexpired, unrevoked tokens of `kind`, oldest first.
    func validChannelTokens(channelID: String, kind: ChannelAccessToken.Kind, at time: Date) async throws -> [ChannelAccessToken]
    func revokeChannelToken(_ accessToken: String, at time: Date) async throws
    /// The most recently issued stored channel access tokens (stateless ones are never stored), newest first.
    func recentChannelTokens(limit: Int) async throws -> [ChannelAccessToken]
    func insertChannelKey(_ key: ChannelKey) async throws
    func channelKey(keyID: String) async throws -> ChannelKey?
    func channelKeys(channelID: String) async throws -> [ChannelKey]

    // MARK: Group chats
    /// Inserts a group or room with its members and the channels whose bots are in it; `false` when the ID is taken.
    /// The chat is never changed afterwards (only a reset deletes it), so readers may cache it.
    func insertChat(_ chat: GroupChat) async throws -> Bool
    /// The group or room with this ID, of either kind.
    func chat(id: String) async throws -> GroupChat?
    /// Every group or every room, in the order they were created.
    func chats(kind: GroupChat.Kind) async throws -> [GroupChat]

    // MARK: Messages
    /// Stores pushed messages, unless `retryKey` was accepted for the channel at or after `keysValidSince`: then nothing
    /// is stored and the earlier acceptance is returned. Atomic, so concurrent retries store once. The key counts as
    /// accepted at the first message's `sentAt`, or at `acceptance.acceptedAt` when there is no message to store.
    func storePush(
        _ messages: [StoredMessage],
        channelID: String,
        retryKey: String?,
        keysValidSince: Date,
        acceptance: AcceptedPush
    ) async throws -> PushAcceptance
    /// Messages, newest first, optionally only those to one recipient or from one channel.
    func messages(to recipient: String?, channelID: String?, limit: Int) async throws -> [StoredMessage]

    // MARK: Linked channels, webhooks and reply tokens
    /// The Messaging API channel (LINE Official Account) linked to a LINE Login channel, if any.
    func linkedBotChannel(loginChannelID: String) async throws -> String?
    /// Links a LINE Login channel to a Messaging API channel, or unlinks it (`nil`). Replaces any earlier link.
    func setLinkedBotChannel(loginChannelID: String, botChannelID: String?) async throws
    /// Every link, as (LINE Login channel ID, Messaging API channel ID).
    func channelLinks() async throws -> [(loginChannelID: String, botChannelID: String)]
    /// The webhook settings of a Messaging API channel; `nil` when never set.
    func webhookEndpoint(channelID: String) async throws -> WebhookEndpoint?
    /// Replaces the URL and/or the "Use webhook" switch (a `nil` argument keeps the stored value; a channel with no
    /// settings yet starts from an empty, active one). Returns the settings now stored.
    func updateWebhookEndpoint(channelID: String, url: String?, isActive: Bool?) async throws -> WebhookEndpoint
    /// Makes the user a friend of the channel's account or not, reporting what changed: `nil` when nothing did.
    ///
    /// The invariant: each real change is reported exactly once, also when instances sharing the store change the
    /// same friendship at once (the check and the write are one atomic step), so one `follow`/`unfollow` event is
    /// sent per change. An unfollow remembers the block, so the next follow reports `isUnblocked`.
    func changeFriendship(userID: String, channelID: String, isFriend: Bool) async throws -> FriendshipChange?
    func insertReplyToken(_ token: ReplyToken) async throws
    /// The reply token if it exists for the channel, is unused and unexpired at `now` (without using it).
    func replyToken(_ token: String, channelID: String, at now: Date) async throws -> ReplyToken?
    /// Uses the reply token and stores the reply's messages in one transaction; `false` (nothing stored) when the
    /// token is unknown for the channel, expired at `now`, or used already.
    ///
    /// The invariant: a reply token is used at most once, also by concurrent replies on instances sharing the store
    /// (a conditional `UPDATE … WHERE used_at IS NULL` decides), and its messages are stored iff it was used.
    func storeReply(_ messages: [StoredMessage], replyToken: String, channelID: String, at now: Date) async throws -> Bool
    /// Records a new delivery (state `pending`).
    func insertDelivery(_ delivery: WebhookDelivery) async throws
    /// Records the outcome of the delivery's attempt (state, status, latency, excerpt, error).
    func recordDeliveryOutcome(_ delivery: WebhookDelivery) async throws
    func delivery(id: String) async throws -> WebhookDelivery?
    /// Deliveries, newest first, optionally only one channel's.
    func deliveries(channelID: String?, limit: Int) async throws -> [WebhookDelivery]

    // MARK: Housekeeping
    /// A named secret of the emulator itself, created with `make` on first use and the same for every instance after.
    func secret(named name: String, make: @escaping @Sendable () -> Data) async throws -> Data
    /// Inserts the seed's channels and users that are not present yet.
    func seed(_ seed: Seed) async throws
    /// Deletes all state (keeping the emulator's own secrets) and applies the seed again.
    func reset(to seed: Seed) async throws
    /// Closes what the store holds open: the SQLite file and its lock, or the PostgreSQL connections. When it returns,
    /// another emulator can open the same SQLite file; every later call fails. Called once, when the emulator stops.
    func close() async

    // MARK: Platform-wide operational state
    /// The clock offset every instance on the store shares (`nil`: the store is one process's, the clock stays local).
    /// Read before each request, so an advance or reset on one instance holds for the next request on any other.
    func sharedClockOffset() async throws -> TimeInterval?
    /// Resets and/or advances the shared offset in one atomic step, so concurrent advances on several instances all
    /// count; returns the new offset.
    func changeSharedClockOffset(_ change: ClockChange) async throws -> TimeInterval

    // MARK: Shared operations
    /// Fault rules, rate limits and the request log shared by every instance on the store (see
    /// ``SharedOperationsStore`` for the invariants); `nil` for a store one process owns, which keeps them in memory.
    var sharedOperations: (any SharedOperationsStore)? { get }
}

/// A store that one process owns shares no clock and no operations: the defaults keep them in the process's memory only.
extension EmulatorStore {
    package func sharedClockOffset() async throws -> TimeInterval? { nil }
    package func changeSharedClockOffset(_ change: ClockChange) async throws -> TimeInterval { 0 }
    package var sharedOperations: (any SharedOperationsStore)? { nil }
}

extension EmulatorStore {
    /// Stores `token`, a new access token of the grant its own `refreshToken` names (LINE Login v2.1: the refresh
    /// token stays). See ``refreshGrant(issuing:replacing:)``.
    func refreshGrant(issuing token: UserAccessToken) async throws -> RefreshOutcome {
        try await refreshGrant(issuing: token, replacing: nil)
    }
}
