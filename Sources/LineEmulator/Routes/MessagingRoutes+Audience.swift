import Foundation
import HTTPTypes
import Hummingbird
import LineCore
import NIOCore

/// Multicast, broadcast and narrowcast on `api.line.me`, and narrowcast's progress.
struct AudienceMessagingRoutes {
    let channelTokens: ChannelTokenService
    let sends: AudienceSendService

    private typealias Send =
        @Sendable (AudienceSendService, String, String?, [String: JSONValue], String) async throws -> AudienceSendService.Outcome

    func register(on routes: inout RouteTable) {
        // Multicast and broadcast answer 200 `{}`, narrowcast 202 `{}` (OpenAPI).
        route(&routes, "/v2/bot/message/multicast", status: .ok) {
            try await $0.multicast(channelID: $1, retryKey: $2, body: $3, requestID: $4)
        }
        route(&routes, "/v2/bot/message/broadcast", status: .ok) {
            try await $0.broadcast(channelID: $1, retryKey: $2, body: $3, requestID: $4)
        }
        route(&routes, "/v2/bot/message/narrowcast", status: .accepted) {
            try await $0.narrowcast(channelID: $1, retryKey: $2, body: $3, requestID: $4)
        }
        routes.on("/v2/bot/message/progress/narrowcast", .get) { request, _ in
            let (channelID, _) = try await channelTokens.authenticate(bearer: request.bearerToken)
            let requestID = request.uri.queryParameters.get("requestId")
            return .json(try await sends.narrowcastProgress(channelID: channelID, requestID: requestID))
        }
    }

    private func route(_ routes: inout RouteTable, _ path: String, status: HTTPResponse.Status, send: @escaping Send) {
        let sends = sends
        let channelTokens = channelTokens
        routes.on(path, .post) { request, context in
            var request = request
            let retryKey = request.headers[.lineRetryKey]
            // Authenticate first: LINE answers 401 before it looks at the body.
            let (channelID, _) = try await channelTokens.authenticate(bearer: request.bearerToken)
            let (bytes, body) = try await request.messagingJSONObject(context: context)
            let outcome: AudienceSendService.Outcome
            do {
                outcome = try await send(sends, channelID, retryKey, body, context.requestID)
            } catch let error as PlatformError where error.invalidProperty != nil {
                throw MessagingRoutes.locating(error, in: bytes)
            }
            switch outcome {
            case .accepted:
                return .jsonData(Array("{}".utf8), status: status)
            case .alreadyAccepted(let requestID):
                // Only push's 409 repeats `sentMessages` (*Retrying an API request*).
                var response = Response.json(["message": "The retry key is already accepted"], status: .conflict)
                response.headers[.lineAcceptedRequestID] = requestID
                return response
            }
        }
    }
}
