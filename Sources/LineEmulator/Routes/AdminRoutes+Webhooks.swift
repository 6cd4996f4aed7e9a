import Foundation
import Hummingbird
import LineCore

/// The admin API of linked channels, webhook settings, user actions that send webhooks, and deliveries.
extension AdminRoutes {
    func registerWebhooks(_ on: (String, HTTPRequest.Method, @escaping RouteTable.Handler) -> Void) {
        on("/channels/{channelId}/link", .get) { _, context in
            let channelID = try await loginChannelID(context)
            return .json(LinkDocument(linkedChannelId: try await store.linkedBotChannel(loginChannelID: channelID)))
        }
        on("/channels/{channelId}/link", .put) { request, context in
            var request = request
            let channelID = try await loginChannelID(context)
            let body: LinkDocument = try await request.adminJSON(context: context)
            if let botID = body.linkedChannelId { try await requireMessagingChannel(botID) }
            try await store.setLinkedBotChannel(loginChannelID: channelID, botChannelID: body.linkedChannelId)
            return .json(body)
        }
        on("/channels/{channelId}/webhook", .get) { _, context in
            let channelID = context.parameters.get("channelId") ?? ""
            try await requireMessagingChannel(channelID)
            return .json(WebhookDocument(try await webhooks.endpoint(channelID: channelID)))
        }
        on("/channels/{channelId}/webhook", .put) { request, context in
            var request = request
            let body: WebhookDocument = try await request.adminJSON(context: context)
            let endpoint = try await refusing {
                try await webhooks.update(channelID: context.parameters.get("channelId") ?? "", url: body.url, isActive: body.active)
            }
            return .json(WebhookDocument(endpoint))
        }
        on("/users/{userId}/actions", .post) { request, context in
            var request = request
            let body: UserActionDocument = try await request.adminJSON(context: context)
            let action = try body.action()
            let event = try await refusing {
                try await webhooks.act(action, userID: context.parameters.get("userId") ?? "", channelID: body.channelId)
            }
            return .json(ActionResult(event: event))
        }
        on("/webhook-deliveries", .get) { request, _ in
            let query = try request.queryParameters(orThrow: .message(400, "The query string is malformed"))
            let limit = min(max(Int(query["limit"] ?? "") ?? 100, 1), 1000)
            let deliveries = try await store.deliveries(channelID: query.nonEmpty("channelId"), limit: limit)
            return .json(["deliveries": deliveries.map(DeliveryDocument.init)])
        }
        on("/webhook-deliveries/{deliveryId}", .get) { _, context in
            let id = context.parameters.get("deliveryId") ?? ""
            guard let delivery = try await store.delivery(id: id) else { throw PlatformError.message(404, "delivery \(id) not found") }
            return .json(DeliveryDocument(delivery))
        }
        on("/webhook-deliveries/{deliveryId}/redeliver", .post) { _, context in
            let delivery = try await refusing { try await webhooks.redeliver(deliveryID: context.parameters.get("deliveryId") ?? "") }
            return .json(DeliveryDocument(delivery), status: .accepted)
        }
    }

    /// Every channel with its link and webhook settings.
    func channelDocuments() async throws -> [ChannelDocument] {
        let links = Dictionary(try await store.channelLinks().map { ($0.loginChannelID, $0.botChannelID) }) { first, _ in first }
        var documents: [ChannelDocument] = []
        for channel in try await store.channels() {
            let webhook = channel.kind == .messaging ? try await store.webhookEndpoint(channelID: channel.channelID) : nil
            documents.append(ChannelDocument(channel, linkedChannelID: links[channel.channelID], webhook: webhook))
        }
        return documents
    }

    /// Refuses a new channel's link or webhook settings before the channel is stored.
    func checkLinkAndWebhook(of document: ChannelDocument, _ channel: Channel) async throws {
        do {
            _ = try document.webhookEndpoint(of: channel)
        } catch {
            throw PlatformError.message(400, error.description)
        }
        guard let botID = document.linkedChannelId else { return }
        guard channel.kind == .login else { throw PlatformError.message(400, "only a LINE Login channel is linked to an account") }
        try await requireMessagingChannel(botID)
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

    private func loginChannelID(_ context: EmulatorRequestContext) async throws -> String {
        let channelID = context.parameters.get("channelId") ?? ""
        guard let channel = try await store.channel(id: channelID) else {
            throw PlatformError.message(404, "channel \(channelID) not found")
        }
        guard channel.kind == .login else { throw PlatformError.message(400, "channel \(channelID) is not a LINE Login channel") }
        return channelID
    }

    private func requireMessagingChannel(_ channelID: String) async throws {
        guard let channel = try await store.channel(id: channelID) else {
            throw PlatformError.message(404, "channel \(channelID) not found")
        }
        guard channel.kind == .messaging else {
            throw PlatformError.message(400, "channel \(channelID) is not a Messaging API channel")
        }
    }

    /// Runs `body`, answering a ``WebhookService/Refusal`` with its status and reason.
    private func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as WebhookService.Refusal {
            throw PlatformError.message(refusal.status, refusal.description)
        }
    }
}

/// A LINE Login channel's link, as the admin API spells it.
struct LinkDocument: Codable {
    var linkedChannelId: String?

    private enum CodingKeys: String, CodingKey { case linkedChannelId }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(linkedChannelId, forKey: .linkedChannelId)
    }
}

/// A Messaging API channel's webhook settings, as the admin API spells them.
struct WebhookDocument: Codable {
    var url: String?
    var active: Bool?

    init(_ endpoint: WebhookEndpoint) {
        url = endpoint.url
        active = endpoint.isActive
    }
}

/// `POST /_emulator/v1/users/{userId}/actions`: what the user does in the chat with a channel's account.
struct UserActionDocument: Decodable {
    var channelId: String
    /// `follow`, `unfollow`, `text`, `sticker` or `postback`.
    var type: String
    var text: String?
    var packageId: String?
    var stickerId: String?
    var data: String?
    var params: [String: String]?

    func action() throws -> UserAction {
        switch type {
        case "follow": return .follow(isUnblocked: false)
        case "unfollow": return .unfollow
        case "text": return .text(text ?? "")
        case "sticker": return .sticker(packageID: packageId ?? "", stickerID: stickerId ?? "")
        case "postback": return .postback(data: data ?? "", params: params ?? [:])
        default: throw PlatformError.message(400, "type must be one of follow, unfollow, text, sticker, postback")
        }
    }
}

/// The event a user action sent (`null` when nothing was sent: webhooks off, or a friendship unchanged).
private struct ActionResult: Encodable {
    var event: JSONValue?

    private enum CodingKeys: String, CodingKey { case event }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
    }
}

/// A delivery as the admin API shows it: the body as JSON, and what came of it.
struct DeliveryDocument: Encodable {
    var id: String
    var channelId: String
    var url: String
    var state: String
    var isRedelivery: Bool
    var createdAt: String
    var statusCode: Int?
    var latencyMs: Int?
    var responseExcerpt: String?
    var error: String?
    var body: JSONValue?
    /// The exact bytes sent, for checking the signature (`x-line-signature` is computed over them).
    var rawBody: String

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        channelId = delivery.channelID
        url = delivery.url
        state = delivery.state.rawValue
        isRedelivery = delivery.isRedelivery
        createdAt = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(delivery.createdAt)
        statusCode = delivery.statusCode
        latencyMs = delivery.latencyMilliseconds
        responseExcerpt = delivery.responseExcerpt
        error = delivery.error
        body = JSONValue(parsing: delivery.body)
        rawBody = String(decoding: delivery.body, as: UTF8.self)
    }
}
