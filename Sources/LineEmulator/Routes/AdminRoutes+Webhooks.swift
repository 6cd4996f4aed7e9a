import Foundation
import Hummingbird
import LineCore

/// The admin API of linked channels, webhook settings, user actions that send webhooks, and deliveries.
extension AdminRoutes {
    func registerWebhooks(_ on: (String, HTTPRequest.Method, @escaping RouteTable.Handler) -> Void) {
        on("/channels/{channelId}/link", .get) { _, context in
            let channelID = context.parameters.get("channelId") ?? ""
            return .json(LinkDocument(linkedChannelId: try await admin.linkedChannel(loginChannelID: channelID)))
        }
        on("/channels/{channelId}/link", .put) { request, context in
            var request = request
            let body: LinkDocument = try await request.adminJSON(context: context)
            try await admin.link(loginChannelID: context.parameters.get("channelId") ?? "", to: body.linkedChannelId)
            return .json(body)
        }
        on("/channels/{channelId}/webhook", .get) { _, context in
            let channelID = context.parameters.get("channelId") ?? ""
            return .json(WebhookDocument(try await admin.webhookEndpoint(channelID: channelID)))
        }
        on("/channels/{channelId}/webhook", .put) { request, context in
            var request = request
            let body: WebhookDocument = try await request.adminJSON(context: context)
            let endpoint = try await admin.updateWebhook(
                channelID: context.parameters.get("channelId") ?? "",
                url: body.url,
                isActive: body.active
            )
            return .json(WebhookDocument(endpoint))
        }
        on("/users/{userId}/actions", .post) { request, context in
            var request = request
            let body: UserActionDocument = try await request.adminJSON(context: context)
            let action = try body.action()
            let event = try await admin.act(action, userID: context.parameters.get("userId") ?? "", channelID: body.channelId)
            return .json(ActionResult(event: event))
        }
        on("/webhook-deliveries", .get) { request, _ in
            let query = try request.queryParameters(orThrow: .message(400, "The query string is malformed"))
            let limit = try Self.integer(query.nonEmpty("limit"), name: "limit") ?? 100
            let deliveries = try await admin.deliveries(channelID: query.nonEmpty("channelId"), limit: limit)
            return .json(["deliveries": deliveries.map(DeliveryDocument.init)])
        }
        on("/webhook-deliveries/{deliveryId}", .get) { _, context in
            let id = context.parameters.get("deliveryId") ?? ""
            return .json(DeliveryDocument(try await admin.delivery(id: id)))
        }
        on("/webhook-deliveries/{deliveryId}/redeliver", .post) { _, context in
            let delivery = try await admin.redeliver(deliveryID: context.parameters.get("deliveryId") ?? "")
            return .json(DeliveryDocument(delivery), status: .accepted)
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
