import Foundation
import LineCore

/// The messages of one accepted send (a push or a reply) as stored for the recipient, and the `sentMessages` the
/// answer lists: each gets a new 18-digit ID, and a quote token when its type can be quoted.
struct OutgoingMessages: Sendable {
    var stored: [StoredMessage] = []
    var sent: [SentMessageRecord] = []

    init(
        _ messages: [[String: JSONValue]],
        channelID: String,
        to recipient: String,
        retryKey: String?,
        requestID: String,
        delivered: Bool,
        at time: Date
    ) {
        for message in messages {
            let type = message["type"]?.stringValue ?? ""
            let record = SentMessageRecord(
                id: Self.messageID(),
                quoteToken: PushService.quotableTypes.contains(type) ? Randomness.alphanumeric(64) : nil
            )
            sent.append(record)
            stored.append(
                StoredMessage(
                    id: record.id,
                    channelID: channelID,
                    to: recipient,
                    type: type,
                    json: Data(JSONValue.object(message).jsonBytes),
                    quoteToken: record.quoteToken,
                    retryKey: retryKey,
                    requestID: requestID,
                    delivered: delivered,
                    sentAt: time
                )
            )
        }
    }

    /// A LINE-style message ID: 18 digits, as a string.
    static func messageID() -> String {
        var generator = Randomness.Generator()
        return String(UInt64.random(in: 100_000_000_000_000_000...999_999_999_999_999_999, using: &generator))
    }
}
