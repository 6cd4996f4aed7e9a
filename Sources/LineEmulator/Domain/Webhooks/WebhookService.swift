import Foundation
import LineCore

/// The LINE Official Account side of a chat: what users do (follow, unfollow, message, postback) becomes webhook
/// events for the channel's webhook URL, each with a reply token where LINE gives one; plus the webhook settings
/// and redelivery.
///
/// Everything here records to the store and queues deliveries on the ``WebhookDeliverer``: no caller waits for a
/// receiver.
package struct WebhookService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let deliverer: WebhookDeliverer

    /// Decision (docs/FIDELITY.md, "Reply tokens"): a reply token works for one minute, once.
    static let replyTokenLifetime: TimeInterval = 60

    /// Why an action by a user cannot happen (4xx for the admin API and the console).
    struct Refusal: Error, Sendable, CustomStringConvertible {
        var status: Int
        var description: String
    }

    // MARK: Friendship

    /// Makes the user a friend of the Messaging API channel's account or not, sending `follow` or `unfollow` when
    /// that changed something. Returns the event sent, if any.
    @discardableResult
    func setFriendship(userID: String, botChannelID: String, isFriend: Bool) async throws -> JSONValue? {
        guard let change = try await store.changeFriendship(userID: userID, channelID: botChannelID, isFriend: isFriend) else {
            return nil
        }
        switch change {
        case .followed(let isUnblocked): return try await emit(.follow(isUnblocked: isUnblocked), userID: userID, channelID: botChannelID)
        case .unfollowed: return try await emit(.unfollow, userID: userID, channelID: botChannelID)
        }
    }

    // MARK: User actions

    /// A user does something in the one-to-one chat with the channel's account: follow/unfollow change the
    /// friendship (and send nothing when it does not change), messages and postbacks need a friend.
    /// Returns the event sent, if any.
    func act(_ action: UserAction, userID: String, channelID: String) async throws -> JSONValue? {
        guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
            throw Refusal(status: 404, description: "channel \(channelID) is not a Messaging API channel")
        }
        guard try await store.user(id: userID) != nil else { throw Refusal(status: 404, description: "user \(userID) not found") }
        switch action {
        case .follow: return try await setFriendship(userID: userID, botChannelID: channelID, isFriend: true)
        case .unfollow: return try await setFriendship(userID: userID, botChannelID: channelID, isFriend: false)
        case .text(let text):
            guard !text.isEmpty, text.utf16.count <= PushService.maximumTextLength else {
                throw Refusal(status: 400, description: "text must be 1 to \(PushService.maximumTextLength) characters")
            }
        case .sticker(let packageID, let stickerID):
            guard !packageID.isEmpty, !stickerID.isEmpty else {
                throw Refusal(status: 400, description: "packageId and stickerId are required")
            }
        case .postback(let data, _):
            guard (1...300).contains(data.count) else { throw Refusal(status: 400, description: "data must be 1 to 300 characters") }
        }
        guard try await store.isFriend(userID: userID, channelID: channelID) else {
            throw Refusal(status: 409, description: "user \(userID) is not a friend of channel \(channelID)'s account")
        }
        return try await emit(action, userID: userID, channelID: channelID)
    }

    /// Builds the event (with a stored reply token where LINE gives one) and queues its delivery, when the channel
    /// uses webhooks; returns the event, or `nil` when webhooks are off.
    private func emit(_ action: UserAction, userID: String, channelID: String) async throws -> JSONValue? {
        guard let endpoint = try await store.webhookEndpoint(channelID: channelID), endpoint.isActive, !endpoint.url.isEmpty else {
            return nil
        }
        let now = clock.now
        var replyToken: String?
        if action.hasReplyToken {
            let token = ReplyToken(
                token: Randomness.hex(bytes: 16),
                channelID: channelID,
                userID: userID,
                issuedAt: now,
                expiresAt: now.addingTimeInterval(Self.replyTokenLifetime)
            )
            try await store.insertReplyToken(token)
            replyToken = token.token
        }
        let event = WebhookEvents.event(action, userID: userID, at: now, replyToken: replyToken)
        let body = WebhookEvents.body(destination: WebhookEvents.botUserID(channelID: channelID), events: [event])
        try await queue(body, channelID: channelID, userID: userID, url: endpoint.url, isRedelivery: false)
        return event
    }

    /// Records a delivery of `userID`'s events and queues it behind that user's earlier ones for the channel.
    private func queue(_ body: Data, channelID: String, userID: String, url: String, isRedelivery: Bool) async throws -> WebhookDelivery {
        let delivery = WebhookDelivery(
            id: Randomness.hex(bytes: 8),
            channelID: channelID,
            url: url,
            body: body,
            isRedelivery: isRedelivery,
            createdAt: clock.now
        )
        try await store.insertDelivery(delivery)
        deliverer.enqueue(delivery, userID: userID)
        return delivery
    }

    // MARK: Redelivery

    /// Sends a recorded delivery's events again, to the channel's current URL, each marked
    /// `deliveryContext.isRedelivery: true` (IDs, times and reply tokens unchanged, as LINE redelivers).
    func redeliver(deliveryID: String) async throws -> WebhookDelivery {
        guard let original = try await store.delivery(id: deliveryID) else {
            throw Refusal(status: 404, description: "delivery \(deliveryID) not found")
        }
        guard let endpoint = try await store.webhookEndpoint(channelID: original.channelID), !endpoint.url.isEmpty else {
            throw Refusal(status: 409, description: "channel \(original.channelID) has no webhook URL")
        }
        guard let (body, userID) = WebhookEvents.redelivery(of: original.body) else {
            throw Refusal(status: 409, description: "delivery \(deliveryID) has no events to redeliver")
        }
        return try await queue(body, channelID: original.channelID, userID: userID, url: endpoint.url, isRedelivery: true)
    }

    // MARK: Settings

    /// The settings of a Messaging API channel, empty and active when never set.
    func endpoint(channelID: String) async throws -> WebhookEndpoint {
        try await store.webhookEndpoint(channelID: channelID) ?? WebhookEndpoint(channelID: channelID, url: "", isActive: true)
    }

    /// Sets the URL and/or the "Use webhook" switch; an invalid URL is refused with the reason.
    func update(channelID: String, url: String?, isActive: Bool?) async throws -> WebhookEndpoint {
        guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
            throw Refusal(status: 404, description: "channel \(channelID) is not a Messaging API channel")
        }
        if let url, !url.isEmpty, let problem = WebhookURL.problem(with: url) {
            throw Refusal(status: 400, description: "webhook URL \(problem)")
        }
        return try await store.updateWebhookEndpoint(channelID: channelID, url: url, isActive: isActive)
    }

    /// LINE's webhook test: POSTs a body without events (`{"destination": …, "events": []}`) to `url` (default: the
    /// channel's URL) and reports how the receiver answered. Nothing is recorded.
    func test(channelID: String, url: String) async throws -> WebhookTestResult {
        guard let channel = try await store.channel(id: channelID) else {
            throw Refusal(status: 404, description: "channel \(channelID) not found")
        }
        let timestamp = clock.now
        let body = WebhookEvents.body(destination: WebhookEvents.botUserID(channelID: channelID), events: [])
        let attempt = await deliverer.sendNow(url: url, body: body, channelSecret: channel.channelSecret)
        return WebhookTestResult(attempt: attempt, timestamp: timestamp)
    }
}

/// LINE's `TestWebhookEndpointResponse`.
struct WebhookTestResult: Sendable, Encodable {
    var success: Bool
    /// ISO 8601 with milliseconds, as LINE's example (`2020-09-30T05:38:20.031Z`).
    var timestamp: String
    /// The receiver's status; 0 when it did not answer (LINE: "zero or a negative number").
    var statusCode: Int
    /// `OK`, `ERROR_STATUS_CODE`, `REQUEST_TIMEOUT` or `COULD_NOT_CONNECT` (LINE's reasons).
    var reason: String
    var detail: String

    init(attempt: WebhookAttempt, timestamp: Date) {
        success = attempt.isSuccess
        self.timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(timestamp)
        statusCode = attempt.statusCode ?? 0
        switch (attempt.statusCode, attempt.timedOut) {
        case (let status?, _):
            reason = attempt.isSuccess ? "OK" : "ERROR_STATUS_CODE"
            detail = String(status)
        case (nil, true):
            reason = "REQUEST_TIMEOUT"
            detail = attempt.error ?? "request timed out"
        case (nil, false):
            reason = "COULD_NOT_CONNECT"
            detail = attempt.error ?? "could not connect"
        }
    }
}
