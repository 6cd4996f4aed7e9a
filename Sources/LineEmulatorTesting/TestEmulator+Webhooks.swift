import AsyncHTTPClient
import Foundation
import LineEmulator
import NIOCore
import NIOHTTP1

/// A webhook delivery as the admin API reports it (`GET /_emulator/v1/webhook-deliveries`).
public struct WebhookDeliveryRecord: Sendable, Decodable, Equatable {
    public var id: String
    public var channelId: String
    public var url: String
    /// `pending`, `delivered` (the receiver answered 2xx) or `failed`.
    public var state: String
    public var isRedelivery: Bool
    public var statusCode: Int?
    public var latencyMs: Int?
    public var responseExcerpt: String?
    public var error: String?
    /// The exact body sent (and signed), as text.
    public var rawBody: String
}

/// Drive the LINE Official Account side from a test: what a user does in the chat (sent to the channel's webhook)
/// and what the emulator delivered.
extension TestEmulator {
    /// Sets a Messaging API channel's webhook URL and "Use webhook" switch (`PUT /_emulator/v1/channels/{id}/webhook`).
    public func setWebhook(channelID: String, url: String, active: Bool = true) async throws {
        _ = try await admin(.PUT, "/_emulator/v1/channels/\(channelID)/webhook", ["url": url, "active": active], expecting: .ok)
    }

    /// The user adds the channel's account as a friend (a `follow` event, when it was not a friend).
    public func follow(userID: String, channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "follow"])
    }

    /// The user blocks the channel's account (an `unfollow` event, when it was a friend).
    public func unfollow(userID: String, channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "unfollow"])
    }

    /// The user sends a text message to the channel's account (a `message` event with a reply token).
    public func sendText(_ text: String, from userID: String, to channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "text", "text": text])
    }

    /// The user sends a sticker to the channel's account.
    public func sendSticker(packageID: String, stickerID: String, from userID: String, to channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "sticker", "packageId": packageID, "stickerId": stickerID])
    }

    /// The user taps a postback action (a `postback` event with `data` and optional `params`).
    public func postback(data: String, params: [String: String] = [:], from userID: String, to channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "postback", "data": data, "params": params])
    }

    /// Deliveries, newest first, optionally only one channel's.
    public func webhookDeliveries(channelID: String? = nil) async throws -> [WebhookDeliveryRecord] {
        let query = channelID.map { "?channelId=\($0)" } ?? ""
        let body = try await admin(.GET, "/_emulator/v1/webhook-deliveries" + query, nil, expecting: .ok)
        struct List: Decodable { var deliveries: [WebhookDeliveryRecord] }
        return try JSONDecoder().decode(List.self, from: body).deliveries
    }

    /// Waits until at least `count` deliveries (of the channel, when given) are no longer pending, and returns every
    /// delivery, newest first. Throws after `timeout`.
    public func settledWebhookDeliveries(
        count: Int,
        channelID: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> [WebhookDeliveryRecord] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let deliveries = try await webhookDeliveries(channelID: channelID)
            if deliveries.filter({ $0.state != "pending" }).count >= count { return deliveries }
            guard ContinuousClock.now < deadline else { throw TestEmulatorError.webhooksNotSettled(deliveries.count) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends a delivery's events again, marked `deliveryContext.isRedelivery: true`; returns the new delivery.
    public func redeliver(deliveryID: String) async throws -> WebhookDeliveryRecord {
        let body = try await admin(.POST, "/_emulator/v1/webhook-deliveries/\(deliveryID)/redeliver", nil, expecting: .accepted)
        return try JSONDecoder().decode(WebhookDeliveryRecord.self, from: body)
    }

    private func act(userID: String, _ body: [String: Any]) async throws {
        _ = try await admin(.POST, "/_emulator/v1/users/\(userID)/actions", body, expecting: .ok)
    }

    private func admin(_ method: HTTPMethod, _ path: String, _ object: [String: Any]?, expecting status: HTTPResponseStatus)
        async throws -> Data
    {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        if let object { request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        guard response.status == status else {
            throw TestEmulatorError.unexpectedPage(status: Int(response.status.code), body: String(decoding: body, as: UTF8.self))
        }
        return body
    }
}
