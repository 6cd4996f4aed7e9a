import Foundation
import Hummingbird
import LineCore

/// LINE's webhook settings endpoints and the reply API, as LINE's OpenAPI document defines them
/// (`getWebhookEndpoint`, `setWebhookEndpoint`, `testWebhookEndpoint`, `replyMessage`).
struct WebhookRoutes {
    let webhooks: WebhookService
    let reply: ReplyService
    let channelTokens: ChannelTokenService

    /// Decision (docs/FIDELITY.md): LINE documents a 400 for an invalid webhook URL without its wording.
    static let invalidEndpoint = PlatformError.message(400, "Invalid webhook endpoint URL")
    /// Decision (docs/FIDELITY.md): a test without a URL, for a channel that has none.
    static let noEndpoint = PlatformError.message(400, "The webhook endpoint URL is not set")

    func register(on routes: inout RouteTable) {
        routes.on("/v2/bot/channel/webhook/endpoint", .get) { request, _ in
            let channelID = try await messagingChannel(request)
            let endpoint = try await webhooks.endpoint(channelID: channelID)
            return .json(EndpointDocument(endpoint: endpoint.url, active: endpoint.isActive && !endpoint.url.isEmpty))
        }
        routes.on("/v2/bot/channel/webhook/endpoint", .put) { request, context in
            var request = request
            let channelID = try await messagingChannel(request)
            let (bytes, body) = try await request.messagingJSONObject(context: context)
            let url: String
            do {
                url = try Self.endpoint(in: body, required: true) ?? ""
            } catch let error as PlatformError where error.invalidProperty != nil {
                throw MessagingRoutes.locating(error, in: bytes)
            }
            _ = try await webhooks.update(channelID: channelID, url: url, isActive: nil)
            return .json([String: String]())
        }
        routes.on("/v2/bot/channel/webhook/test", .post) { request, context in
            var request = request
            let channelID = try await messagingChannel(request)
            let body: [String: JSONValue]
            let bytes = try await request.collectLimitedBody(context: context)
            if bytes.readableBytes == 0 {
                body = [:]
            } else {
                request.body = .init(buffer: bytes)
                body = try await request.messagingJSONObject(context: context).members
            }
            var url = try Self.endpoint(in: body, required: false)
            if url == nil || url == "" {
                url = try await webhooks.endpoint(channelID: channelID).url
            }
            guard let url, !url.isEmpty else { throw Self.noEndpoint }
            return .json(try await webhooks.test(channelID: channelID, url: url))
        }
        routes.on("/v2/bot/message/reply", .post) { request, context in
            var request = request
            // Authenticate first: LINE answers 401 before it looks at the body.
            let (channelID, _) = try await channelTokens.authenticate(bearer: request.bearerToken)
            let (bytes, body) = try await request.messagingJSONObject(context: context)
            do {
                return .json(try await reply.reply(channelID: channelID, body: body, requestID: context.requestID))
            } catch let error as PlatformError where error.invalidProperty != nil {
                throw MessagingRoutes.locating(error, in: bytes)
            }
        }
    }

    /// The channel of the request's channel access token, which must be a Messaging API channel.
    private func messagingChannel(_ request: Request) async throws -> String {
        let (channelID, _) = try await channelTokens.authenticate(bearer: request.bearerToken)
        guard try await webhooks.store.channel(id: channelID)?.kind == .messaging else {
            throw PlatformError.message(403, "Access to this API is not available for your account")
        }
        return channelID
    }

    /// The body's `endpoint`: a string of at most 500 characters that is an http(s) URL.
    static func endpoint(in body: [String: JSONValue], required: Bool) throws -> String? {
        switch body["endpoint"] {
        case nil, .null:
            if required { throw PlatformError.validation([.init(message: "must be specified", property: "endpoint")]) }
            return nil
        case .string(let url):
            if url.isEmpty && !required { return nil }
            if url.utf8.count > WebhookURL.maximumLength {
                throw PlatformError.validation([
                    .init(message: "Length must be between 0 and \(WebhookURL.maximumLength)", property: "endpoint")
                ])
            }
            guard WebhookURL.problem(with: url) == nil else { throw invalidEndpoint }
            return url
        default:
            throw PlatformError.invalidProperty("endpoint")
        }
    }
}

/// LINE's `GetWebhookEndpointResponse`.
private struct EndpointDocument: Encodable {
    var endpoint: String
    var active: Bool
}
