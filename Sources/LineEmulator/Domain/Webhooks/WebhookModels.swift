import Foundation

/// A Messaging API channel's webhook settings: the URL LINE posts events to and the "Use webhook" switch.
public struct WebhookEndpoint: Sendable, Equatable, Codable {
    /// The channel (a Messaging API channel) the settings belong to.
    public var channelID: String
    /// The webhook URL; empty when none is set.
    public var url: String
    /// Whether events are sent ("Use webhook" in the LINE Developers Console, `active` in LINE's API).
    public var isActive: Bool

    /// - Parameters:
    ///   - channelID: the Messaging API channel.
    ///   - url: the webhook URL (`http` or `https`), or empty for none.
    ///   - isActive: whether events are sent to it.
    public init(channelID: String, url: String, isActive: Bool = true) {
        self.channelID = channelID
        self.url = url
        self.isActive = isActive
    }
}

/// What a change of friendship did, so that exactly one `follow` or `unfollow` event reports it.
package enum FriendshipChange: Sendable, Equatable {
    /// The user added the account; `isUnblocked` when the user had blocked it before.
    case followed(isUnblocked: Bool)
    /// The user blocked the account (LINE's `unfollow`).
    case unfollowed
}

/// A reply token handed out with a `follow`, `message` or `postback` event: single use, short-lived.
package struct ReplyToken: Sendable, Equatable {
    package var token: String
    package var channelID: String
    package var userID: String
    package var issuedAt: Date
    package var expiresAt: Date

    package init(token: String, channelID: String, userID: String, issuedAt: Date, expiresAt: Date) {
        self.token = token
        self.channelID = channelID
        self.userID = userID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// One POST of a webhook body to a channel's URL, and what came of it.
package struct WebhookDelivery: Sendable, Equatable {
    package enum State: String, Sendable, Codable {
        /// Queued, or being sent.
        case pending
        /// The receiver answered 2xx.
        case delivered
        /// No answer, a timeout, or a status other than 2xx.
        case failed
    }

    /// The delivery's ID (not LINE's: the emulator's record of one request).
    package var id: String
    package var channelID: String
    package var url: String
    /// The exact body bytes sent (and signed).
    package var body: Data
    package var isRedelivery: Bool
    package var createdAt: Date
    package var state: State
    /// The receiver's HTTP status; `nil` when there was no answer.
    package var statusCode: Int?
    package var latencyMilliseconds: Int?
    /// The start of the receiver's answer (at most ``WebhookDelivery/excerptLimit`` bytes).
    package var responseExcerpt: String?
    /// Why there was no answer (connection refused, timeout, ...).
    package var error: String?

    package static let excerptLimit = 1024

    package init(
        id: String,
        channelID: String,
        url: String,
        body: Data,
        isRedelivery: Bool,
        createdAt: Date,
        state: State = .pending,
        statusCode: Int? = nil,
        latencyMilliseconds: Int? = nil,
        responseExcerpt: String? = nil,
        error: String? = nil
    ) {
        self.id = id
        self.channelID = channelID
        self.url = url
        self.body = body
        self.isRedelivery = isRedelivery
        self.createdAt = createdAt
        self.state = state
        self.statusCode = statusCode
        self.latencyMilliseconds = latencyMilliseconds
        self.responseExcerpt = responseExcerpt
        self.error = error
    }
}

/// The outcome of one attempt to POST a webhook.
package struct WebhookAttempt: Sendable, Equatable {
    package var statusCode: Int?
    package var latencyMilliseconds: Int
    package var responseExcerpt: String?
    package var error: String?
    /// Whether the receiver did not answer within the timeout.
    package var timedOut: Bool

    package init(statusCode: Int?, latencyMilliseconds: Int, responseExcerpt: String?, error: String?, timedOut: Bool = false) {
        self.statusCode = statusCode
        self.latencyMilliseconds = latencyMilliseconds
        self.responseExcerpt = responseExcerpt
        self.error = error
        self.timedOut = timedOut
    }

    package var isSuccess: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

/// Sends one webhook request; the emulator's implementation uses AsyncHTTPClient, tests may substitute their own.
package protocol WebhookSending: Sendable {
    /// POSTs `body` to `url` with `headers`, waiting at most `timeout`; never throws: failures are in the attempt.
    func send(url: String, body: Data, headers: [(String, String)], timeout: Duration) async -> WebhookAttempt
}
