import Foundation

/// Messages bots have pushed.
extension AdminService {
    /// The most a listing returns.
    static let messageLimits = 1...1000

    /// Messages, newest first, optionally only those to one recipient or from one channel.
    func messages(to recipient: String?, channelID: String?, limit: Int) async throws -> [StoredMessage] {
        guard Self.messageLimits.contains(limit) else {
            throw AdminError.invalid("limit must be between \(Self.messageLimits.lowerBound) and \(Self.messageLimits.upperBound)")
        }
        return try await store.messages(to: recipient, channelID: channelID, limit: limit)
    }
}
