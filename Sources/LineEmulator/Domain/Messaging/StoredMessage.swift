import Foundation
import LineCore

/// A message the emulator accepted from `POST /v2/bot/message/push`, kept per recipient.
struct StoredMessage: Sendable, Equatable {
    var id: String
    var channelID: String
    var to: String
    var type: String
    /// The message object exactly as sent, as JSON.
    var json: Data
    var quoteToken: String?
    var retryKey: String?
    var requestID: String
    /// Whether LINE would deliver it: the recipient is a user who is a friend of the channel's account.
    var delivered: Bool
    var sentAt: Date
}

/// What a retry key remembers for 24 hours: the request that was accepted and what it sent.
struct AcceptedPush: Sendable, Equatable {
    var requestID: String
    var sentMessages: [SentMessageRecord]
}

/// One entry of `sentMessages`.
struct SentMessageRecord: Codable, Sendable, Equatable {
    var id: String
    var quoteToken: String?

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
    static func jsonText(_ records: [SentMessageRecord]) -> String {
        var writer = JSONWriter()
        write(records, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The outcome of storing a push under a retry key.
enum PushAcceptance: Sendable, Equatable {
    case accepted
    /// The key was accepted before (within 24 hours): nothing was stored now.
    case duplicate(AcceptedPush)
}
