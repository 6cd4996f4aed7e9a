import Foundation
import LineCore

/// Linked accounts, webhook settings, what a user does in a chat with an account, and webhook deliveries.
extension AdminService {
    /// Every channel with its link (a LINE Login channel's account) and webhook settings (a Messaging API channel's).
    func channelDocuments() async throws -> [ChannelDocument] {
        let links = Dictionary(try await store.channelLinks().map { ($0.loginChannelID, $0.botChannelID) }) { first, _ in first }
        var documents: [ChannelDocument] = []
        for channel in try await store.channels() {
            let webhook = channel.kind == .messaging ? try await store.webhookEndpoint(channelID: channel.channelID) : nil
            documents.append(ChannelDocument(channel, linkedChannelID: links[channel.channelID], webhook: webhook))
        }
        return documents
    }

    /// Every link, as (LINE Login channel ID, Messaging API channel ID).
    func channelLinks() async throws -> [(loginChannelID: String, botChannelID: String)] {
        try await store.channelLinks()
    }

    /// The Messaging API channel a LINE Login channel is linked to, if any.
    func linkedChannel(loginChannelID: String) async throws -> String? {
        try await requireChannel(loginChannelID, kind: .login)
        return try await store.linkedBotChannel(loginChannelID: loginChannelID)
    }

    /// Links a LINE Login channel to a Messaging API channel's account, or unlinks it (`nil`).
    func link(loginChannelID: String, to botChannelID: String?) async throws {
        try await requireChannel(loginChannelID, kind: .login)
        if let botChannelID { try await requireChannel(botChannelID, kind: .messaging) }
        try await store.setLinkedBotChannel(loginChannelID: loginChannelID, botChannelID: botChannelID)
    }

    /// A Messaging API channel's webhook settings (empty and active when never set).
    func webhookEndpoint(channelID: String) async throws -> WebhookEndpoint {
        try await requireChannel(channelID, kind: .messaging)
        return try await webhooks.endpoint(channelID: channelID)
    }

    /// Sets a Messaging API channel's webhook URL and/or its "Use webhook" switch (`nil` keeps the stored value).
    func updateWebhook(channelID: String, url: String?, isActive: Bool?) async throws -> WebhookEndpoint {
        try await refusing { try await webhooks.update(channelID: channelID, url: url, isActive: isActive) }
    }

    /// What a user does in the chat with a channel's account (follow, unfollow, a message, a postback); returns the
    /// webhook event sent, or `nil` when none was (webhooks off, or a friendship unchanged).
    func act(_ action: UserAction, userID: String, channelID: String) async throws -> JSONValue? {
        try await refusing { try await webhooks.act(action, userID: userID, channelID: channelID) }
    }

    /// Deliveries, newest first, optionally only one channel's.
    func deliveries(channelID: String?, limit: Int) async throws -> [WebhookDelivery] {
        guard (1...1000).contains(limit) else { throw AdminError.invalid("limit must be 1 to 1000") }
        return try await store.deliveries(channelID: channelID, limit: limit)
    }

    /// One delivery.
    func delivery(id: String) async throws -> WebhookDelivery {
        guard let delivery = try await store.delivery(id: id) else { throw AdminError.notFound("delivery \(id) not found") }
        return delivery
    }

    /// Sends a delivery's events again, marked `isRedelivery`; returns the new delivery.
    func redeliver(deliveryID: String) async throws -> WebhookDelivery {
        try await refusing { try await webhooks.redeliver(deliveryID: deliveryID) }
    }

    /// Refuses a new channel's link or webhook settings before anything is stored.
    func checkLinkAndWebhook(of document: ChannelDocument, _ channel: Channel) async throws {
        do {
            _ = try document.webhookEndpoint(of: channel)
        } catch {
            throw AdminError.invalid(error.description)
        }
        guard let botID = document.linkedChannelId else { return }
        guard channel.kind == .login else { throw AdminError.invalid("only a LINE Login channel is linked to an account") }
        try await requireChannel(botID, kind: .messaging)
    }

    /// Stores a new channel's link and webhook settings; returns the channel's document.
    func applyLinkAndWebhook(of document: ChannelDocument, to channel: Channel) async throws -> ChannelDocument {
        if let botID = document.linkedChannelId {
            try await store.setLinkedBotChannel(loginChannelID: channel.channelID, botChannelID: botID)
        }
        var webhook: WebhookEndpoint?
        if let endpoint = try? document.webhookEndpoint(of: channel) {
            webhook = try await store.updateWebhookEndpoint(channelID: channel.channelID, url: endpoint.url, isActive: endpoint.isActive)
        }
        return ChannelDocument(channel, linkedChannelID: document.linkedChannelId, webhook: webhook)
    }

    private func requireChannel(_ channelID: String, kind: Channel.Kind) async throws {
        guard let channel = try await store.channel(id: channelID) else { throw AdminError.notFound("channel \(channelID) not found") }
        guard channel.kind == kind else {
            throw AdminError.invalid(
                "channel \(channelID) is not a \(kind == .login ? "LINE Login" : "Messaging API") channel"
            )
        }
    }

    /// Runs `body`, turning the webhook service's refusals into the admin service's.
    private func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as WebhookService.Refusal {
            switch refusal.status {
            case 404: throw AdminError.notFound(refusal.description)
            case 409: throw AdminError.conflict(refusal.description)
            default: throw AdminError.invalid(refusal.description)
            }
        }
    }
}
