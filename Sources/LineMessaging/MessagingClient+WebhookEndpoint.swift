import Foundation
import HTTPTypes
import LineCore

/// The channel's webhook URL and whether LINE uses it (OpenAPI `GetWebhookEndpointResponse`).
public struct WebhookEndpointInfo: Sendable, Equatable, Decodable {
    /// The webhook URL.
    public var endpoint: String
    /// Whether LINE sends webhook events to it ("Use webhook" in the LINE Developers Console).
    public var active: Bool
}

/// What LINE saw when it sent a test webhook (OpenAPI `TestWebhookEndpointResponse`).
public struct WebhookTestResult: Sendable, Equatable, Decodable {
    /// Whether the endpoint answered 200.
    public var success: Bool?
    /// When the test was sent.
    public var timestamp: Date
    /// The endpoint's HTTP status, or zero or less when no answer arrived.
    public var statusCode: Int
    /// Why it failed, or `OK`.
    public var reason: String
    /// More about the result.
    public var detail: String

    private enum CodingKeys: String, CodingKey { case success, timestamp, statusCode, reason, detail }

    /// Decodes LINE's JSON, whose timestamp is ISO 8601 text.
    ///
    /// - Parameter decoder: the decoder holding LINE's response.
    /// - Throws: `DecodingError` when `timestamp`, `statusCode`, `reason` or `detail` is missing, a field has the wrong
    ///   type, or the timestamp is not ISO 8601 text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        success = try container.decodeIfPresent(Bool.self, forKey: .success)
        timestamp = try LineTimestamp.decode(.timestamp, in: container)
        statusCode = try container.decode(Int.self, forKey: .statusCode)
        reason = try container.decode(String.self, forKey: .reason)
        detail = try container.decode(String.self, forKey: .detail)
    }
}

extension MessagingClient {
    private struct EndpointBody: Encodable, Sendable { var endpoint: String? }

    /// Sets the channel's webhook URL (`PUT /v2/bot/channel/webhook/endpoint`). LINE requires HTTPS and at most 500
    /// characters.
    ///
    /// ```swift
    /// try await messaging.setWebhookEndpoint(URL(string: "https://bot.example.com/webhook")!)
    /// ```
    ///
    /// - Parameter url: the webhook URL.
    /// - Throws: the provider's errors, or `LineAPIError` when LINE refuses the URL.
    public func setWebhookEndpoint(_ url: URL) async throws {
        _ = try await authorizedSend(
            .put,
            "/v2/bot/channel/webhook/endpoint",
            body: EndpointBody(endpoint: url.absoluteString),
            idempotent: true
        )
    }

    /// The channel's webhook URL and whether it is in use (`GET /v2/bot/channel/webhook/endpoint`).
    ///
    /// - Throws: the provider's errors, or `LineAPIError` when LINE refuses the request.
    public func webhookEndpoint() async throws -> WebhookEndpointInfo {
        let response = try await authorizedSend(.get, "/v2/bot/channel/webhook/endpoint", idempotent: true)
        return try api.decode(WebhookEndpointInfo.self, from: response).value
    }

    /// Has LINE send a test webhook (`POST /v2/bot/channel/webhook/test`) to `url`, or to the channel's webhook URL.
    ///
    /// - Parameter url: the URL to test; `nil` tests the URL the channel has.
    /// - Throws: the provider's errors, or `LineAPIError` when LINE refuses the request.
    public func testWebhookEndpoint(_ url: URL? = nil) async throws -> WebhookTestResult {
        let body = EndpointBody(endpoint: url?.absoluteString)
        let response = try await authorizedSend(.post, "/v2/bot/channel/webhook/test", body: body, idempotent: false)
        return try api.decode(WebhookTestResult.self, from: response).value
    }
}
