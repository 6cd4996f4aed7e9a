import Foundation
import LineCore

/// `POST /v2/bot/message/multicast`, `/broadcast` and `/narrowcast`: the same message to many users at once, with
/// push's message checks, `X-Line-Retry-Key` idempotency for 24 hours, and one stored copy per recipient (so each
/// recipient's console chat shows it).
struct AudienceSendService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let rateLimiter: RateLimiter

    /// The outcome of a send.
    enum Outcome: Sendable, Equatable {
        case accepted
        /// 409: the retry key was accepted before; the request ID of that request.
        case alreadyAccepted(requestID: String)
    }

    /// Multicast: the users in `to` (user IDs only). A known user who is not a friend, and a user ID the platform
    /// does not know, get nothing, yet LINE answers 200: their copies are stored as not delivered.
    func multicast(channelID: String, retryKey: String?, body: [String: JSONValue], requestID: String) async throws -> Outcome {
        try await checkAccess(channelID: channelID, retryKey: retryKey, endpoint: .multicast)
        let (to, messages) = try AudienceSendValidation.multicast(body)
        var recipients: [(id: String, delivered: Bool)] = []
        for userID in to {
            let isKnown = try await store.user(id: userID) != nil
            let isFriend = isKnown ? try await store.isFriend(userID: userID, channelID: channelID) : false
            recipients.append((userID, isFriend))
        }
        return try await send(messages, to: recipients, channelID: channelID, retryKey: retryKey, requestID: requestID)
    }

    /// Broadcast: every friend of the channel's account.
    func broadcast(channelID: String, retryKey: String?, body: [String: JSONValue], requestID: String) async throws -> Outcome {
        try await checkAccess(channelID: channelID, retryKey: retryKey, endpoint: .broadcast)
        let messages = try AudienceSendValidation.messages(of: body)
        let friends = try await friends(of: channelID).map { (id: $0, delivered: true) }
        return try await send(messages, to: friends, channelID: channelID, retryKey: retryKey, requestID: requestID)
    }

    /// Narrowcast: every friend of the channel's account, or `limit.max` of them chosen at random. Sending is
    /// finished when the 202 is answered, so its progress is `succeeded` at once.
    func narrowcast(channelID: String, retryKey: String?, body: [String: JSONValue], requestID: String) async throws -> Outcome {
        try await checkAccess(channelID: channelID, retryKey: retryKey, endpoint: .narrowcast)
        let (max, messages) = try AudienceSendValidation.narrowcast(body)
        var friends = try await friends(of: channelID)
        if let max, max < friends.count {
            var generator = Randomness.Generator()
            friends = Array(friends.shuffled(using: &generator).prefix(max))
        }
        let recipients = friends.map { (id: $0, delivered: true) }
        return try await send(messages, to: recipients, channelID: channelID, retryKey: retryKey, requestID: requestID)
    }

    /// LINE's 403 for a channel that is not a Messaging API channel, 400 for a retry key that is not a UUID, then
    /// the endpoint's rate limit.
    private func checkAccess(channelID: String, retryKey: String?, endpoint: RateLimiter.Endpoint) async throws {
        guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
            throw PlatformError.message(403, "Access to this API is not available for your account")
        }
        if let retryKey, UUID(uuidString: retryKey) == nil {
            throw PlatformError.message(400, "The value of the X-Line-Retry-Key header must be a UUID")
        }
        guard try await rateLimiter.allow(endpoint, channelID: channelID) else { throw RateLimiter.exceeded }
    }

    /// The users who are friends of the channel's account, in the order the platform knows them.
    private func friends(of channelID: String) async throws -> [String] {
        var friends: [String] = []
        for user in try await store.users() where try await store.isFriend(userID: user.userID, channelID: channelID) {
            friends.append(user.userID)
        }
        return friends
    }

    /// Stores one copy of each message per recipient, all under one request and retry key.
    private func send(
        _ messages: [[String: JSONValue]],
        to recipients: [(id: String, delivered: Bool)],
        channelID: String,
        retryKey: String?,
        requestID: String
    ) async throws -> Outcome {
        let now = clock.now
        var stored: [StoredMessage] = []
        for recipient in recipients {
            stored +=
                OutgoingMessages(
                    messages,
                    channelID: channelID,
                    to: recipient.id,
                    retryKey: retryKey?.lowercased(),
                    requestID: requestID,
                    delivered: recipient.delivered,
                    at: now
                ).stored
        }
        let acceptance = try await store.storePush(
            stored,
            channelID: channelID,
            retryKey: retryKey?.lowercased(),
            keysValidSince: now.addingTimeInterval(-PushService.retryKeyLifetime),
            acceptance: AcceptedPush(requestID: requestID, sentMessages: [], acceptedAt: now)
        )
        switch acceptance {
        case .accepted: return .accepted
        case .duplicate(let original): return .alreadyAccepted(requestID: original.requestID)
        }
    }
}
