import Foundation

/// Channels and their assertion-signing keys.
extension AdminService {
    func channels() async throws -> [Channel] {
        try await store.channels()
    }

    /// Creates the channel `document` describes (ID and secret generated where missing), with its link and webhook
    /// settings, all checked before anything is stored.
    func createChannel(_ document: ChannelDocument) async throws -> ChannelDocument {
        let channel: Channel
        do { channel = try document.channel() } catch { throw AdminError.invalid(error.description) }
        try await checkLinkAndWebhook(of: document, channel)
        guard try await store.insertChannel(channel) else { throw AdminError.conflict("channel \(channel.channelID) already exists") }
        return try await applyLinkAndWebhook(of: document, to: channel)
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
