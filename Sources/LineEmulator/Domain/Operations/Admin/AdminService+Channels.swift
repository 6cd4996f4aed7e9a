import Foundation

/// Channels and their assertion-signing keys.
extension AdminService {
    func channels() async throws -> [Channel] {
        try await store.channels()
    }

    /// Creates the channel `document` describes (ID and secret generated where missing).
    func createChannel(_ document: ChannelDocument) async throws -> Channel {
        let channel: Channel
        do { channel = try document.channel() } catch { throw AdminError.invalid(error.description) }
        guard try await store.insertChannel(channel) else { throw AdminError.conflict("channel \(channel.channelID) already exists") }
        return channel
    }

    /// The public keys registered for the channel's assertions (channel access tokens v2.1), oldest first.
    func channelKeys(channelID: String) async throws -> [ChannelKey] {
        guard try await store.channel(id: channelID) != nil else { throw AdminError.notFound("channel \(channelID) not found") }
        return try await store.channelKeys(channelID: channelID)
    }

    /// Registers a public JWK for the channel's assertions; returns its key ID.
    func registerChannelKey(channelID: String, jwk: [String: Any]) async throws -> String {
        guard try await store.channel(id: channelID) != nil else { throw AdminError.notFound("channel \(channelID) not found") }
        return try await channelTokens.registerKey(channelID: channelID, jwk: jwk)
    }
}
