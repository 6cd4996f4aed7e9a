import Foundation
import LineCore

/// A message the emulator accepted from `POST /v2/bot/message/push`, kept per recipient.
package struct StoredMessage: Sendable, Equatable {
    package var id: String
    package var channelID: String
    package var to: String
    package var type: String
    /// The message object exactly as sent, as JSON.
    package var json: Data
    package var quoteToken: String?
    package var retryKey: String?
    package var requestID: String
    /// Whether LINE would deliver it: the recipient is a user who is a friend of the channel's account.
    package var delivered: Bool
    package var sentAt: Date

    package init(
        id: String,
        channelID: String,
        to: String,
        type: String,
        json: Data,
        quoteToken: String? = nil,
        retryKey: String? = nil,
        requestID: String,
        delivered: Bool,
        sentAt: Date
    ) {
        self.id = id
        self.channelID = channelID
        self.to = to
        self.type = type
        self.json = json
        self.quoteToken = quoteToken
        self.retryKey = retryKey
        self.requestID = requestID
        self.delivered = delivered
        self.sentAt = sentAt
    }
}

/// What a retry key remembers for 24 hours: the request that was accepted and what it sent.
package struct AcceptedPush: Sendable, Equatable {
    package var requestID: String
    package var sentMessages: [SentMessageRecord]
    /// When the request was accepted, for a send that stored no message (a broadcast to an account without
    /// friends); otherwise the stores take the messages' `sentAt`. Not read back.
    package var acceptedAt: Date?

    package init(requestID: String, sentMessages: [SentMessageRecord], acceptedAt: Date? = nil) {
        self.requestID = requestID
        self.sentMessages = sentMessages
        self.acceptedAt = acceptedAt
    }
}

/// One entry of `sentMessages`.
package struct SentMessageRecord: Codable, Sendable, Equatable {
    package var id: String
    package var quoteToken: String?

    package init(id: String, quoteToken: String? = nil) {
        self.id = id
        self.quoteToken = quoteToken
    }

    /// `records` as a JSON array, as `JSONEncoder` would write it.
    static func write(_ records: [SentMessageRecord], to writer: inout JSONWriter) {
        writer.beginArray()
        for record in records {
            writer.beginObject()
            writer.member("id", record.id)
            writer.member("quoteToken", ifPresent: record.quoteToken)
            writer.endObject()
        }
        writer.endArray()
    }

    /// `records` as JSON text (the `sent_messages` kept with a retry key).
    package static func jsonText(_ records: [SentMessageRecord]) -> String {
        var writer = JSONWriter()
        write(records, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The outcome of storing a push under a retry key.
package enum PushAcceptance: Sendable, Equatable {
    case accepted
    /// The key was accepted before (within 24 hours): nothing was stored now.
    case duplicate(AcceptedPush)
}
