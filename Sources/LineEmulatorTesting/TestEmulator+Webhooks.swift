import AsyncHTTPClient
import Foundation
import LineEmulator
import NIOCore
import NIOHTTP1

/// A webhook delivery as the admin API reports it (`GET /_emulator/v1/webhook-deliveries`).
public struct WebhookDeliveryRecord: Sendable, Decodable, Equatable {
    /// The delivery's ID (for ``TestEmulator/redeliver(deliveryID:)``).
    public var id: String
    /// The Messaging API channel whose webhook it is.
    public var channelId: String
    /// The URL it was sent to.
    public var url: String
    /// `pending`, `delivered` (the receiver answered 2xx) or `failed`.
    public var state: String
    /// Whether it resends an earlier delivery's events (`deliveryContext.isRedelivery: true`).
    public var isRedelivery: Bool
    /// The receiver's HTTP status; `nil` when it did not answer.
    public var statusCode: Int?
    /// Milliseconds from sending to the receiver's answer (or the failure).
    public var latencyMs: Int?
    /// The start of the receiver's answer (at most 1 KB).
    public var responseExcerpt: String?
    /// Why there was no answer: `timed out`, or the connection error.
    public var error: String?
    /// The exact body sent (and signed), as text.
    public var rawBody: String
}

/// Drive the LINE Official Account side from a test: what a user does in the chat (sent to the channel's webhook)
/// and what the emulator delivered.
extension TestEmulator {
    /// Sets a Messaging API channel's webhook URL and "Use webhook" switch (`PUT /_emulator/v1/channels/{id}/webhook`).
    ///
    /// ```swift
    /// try await emulator.setWebhook(channelID: Seed.messagingChannel.channelID, url: "http://127.0.0.1:\(port)/webhook")
    /// try await emulator.sendText("Hi!", from: Seed.defaultUsers[0].userID, to: Seed.messagingChannel.channelID)
    /// let delivery = try await emulator.settledWebhookDeliveries(count: 1)[0]   // .state == "delivered"
    /// ```
    ///
    /// - Parameters:
    ///   - channelID: the Messaging API channel.
    ///   - url: where its events are POSTed (`http://` is fine for a local receiver).
    ///   - active: whether events are sent ("Use webhook").
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` with the admin API's answer when it refuses the
    ///   settings (404 when the channel is not a Messaging API channel, 400 for an invalid URL), or an
    ///   `HTTPClientError` when the emulator cannot be reached.
    public func setWebhook(channelID: String, url: String, active: Bool = true) async throws {
        _ = try await admin(.PUT, "/_emulator/v1/channels/\(channelID)/webhook", ["url": url, "active": active], expecting: .ok)
    }

    /// The user adds the channel's account as a friend (a `follow` event, when it was not a friend).
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` for an unknown user or channel.
    public func follow(userID: String, channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "follow"])
    }

    /// The user blocks the channel's account (an `unfollow` event, when it was a friend).
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` for an unknown user or channel.
    public func unfollow(userID: String, channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "unfollow"])
    }

    /// The user sends a text message to the channel's account (a `message` event with a reply token).
    /// - Parameters:
    ///   - text: 1 to 5,000 characters.
    ///   - userID: the user, a friend of the account.
    ///   - channelID: the Messaging API channel.
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` (409 when the user is not a friend).
    public func sendText(_ text: String, from userID: String, to channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "text", "text": text])
    }

    /// The user sends a sticker to the channel's account (a `message` event with a reply token).
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` (409 when the user is not a friend).
    public func sendSticker(packageID: String, stickerID: String, from userID: String, to channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "sticker", "packageId": packageID, "stickerId": stickerID])
    }

    /// The user taps a postback action (a `postback` event with `data` and optional `params`).
    /// - Parameters:
    ///   - data: the action's data, 1 to 300 characters.
    ///   - params: what a date-time picker or rich menu switch adds.
    ///   - userID: the user, a friend of the account.
    ///   - channelID: the Messaging API channel.
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` (409 when the user is not a friend).
    public func postback(data: String, params: [String: String] = [:], from userID: String, to channelID: String) async throws {
        try await act(userID: userID, ["channelId": channelID, "type": "postback", "data": data, "params": params])
    }

    /// Deliveries, newest first, optionally only one channel's.
    /// - Parameter channelID: only this Messaging API channel's, when given.
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` when the admin API does not answer 200, an
    ///   `HTTPClientError` when the emulator cannot be reached, or a `DecodingError` when its answer is not the
    ///   deliveries list.
    public func webhookDeliveries(channelID: String? = nil) async throws -> [WebhookDeliveryRecord] {
        let query = channelID.map { "?channelId=\($0)" } ?? ""
        let body = try await admin(.GET, "/_emulator/v1/webhook-deliveries" + query, nil, expecting: .ok)
        struct List: Decodable { var deliveries: [WebhookDeliveryRecord] }
        return try JSONDecoder().decode(List.self, from: body).deliveries
    }

    /// Waits until at least `count` deliveries (of the channel, when given) are no longer pending, and returns every
    /// delivery, newest first.
    /// - Parameters:
    ///   - count: how many must have an outcome.
    ///   - channelID: only this Messaging API channel's, when given.
    ///   - timeout: how long to wait.
    /// - Throws: ``TestEmulatorError/webhooksNotSettled(_:)`` after `timeout`.
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
    /// - Parameter deliveryID: the ``WebhookDeliveryRecord/id`` of the delivery to resend.
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` (404 for an unknown delivery, 409 when the channel
    ///   has no webhook URL any more).
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
