import Foundation
import HTTPTypes
import Hummingbird

/// The Messaging API on `api.line.me` that the emulator serves: push messages.
struct MessagingRoutes {
    let push: PushService

    func register(on routes: inout RouteTable) {
        routes.on("/v2/bot/message/push", .post) { request, context in
            var request = request
            let retryKey = request.headers[.lineRetryKey]
            // Authenticate first: LINE answers 401 before it looks at the body.
            let (channelID, _) = try await push.channelTokens.authenticate(bearer: request.bearerToken)
            let body = try await request.messagingJSONMembers(context: context)
            switch try await push.push(channelID: channelID, retryKey: retryKey, body: body, requestID: context.requestID) {
            case .sent(let response):
                return .json(response)
            case .alreadyAccepted(let original):
                var response = Response.json(
                    RetryConflict(message: "The retry key is already accepted", sentMessages: original.sentMessages),
                    status: .conflict
                )
                response.headers[.lineAcceptedRequestID] = original.requestID
                return response
            }
        }
    }
}

private struct RetryConflict: Encodable {
    var message: String
    var sentMessages: [SentMessageRecord]
}

extension HTTPField.Name {
    static let lineRetryKey = HTTPField.Name("X-Line-Retry-Key")!
    static let lineAcceptedRequestID = HTTPField.Name("x-line-accepted-request-id")!
}
