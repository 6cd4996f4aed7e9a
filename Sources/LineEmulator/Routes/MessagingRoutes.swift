import Foundation
import HTTPTypes
import Hummingbird
import LineCore
import NIOCore

/// The Messaging API on `api.line.me` that the emulator serves: push messages.
struct MessagingRoutes {
    let push: PushService

    func register(on routes: inout RouteTable) {
        routes.on("/v2/bot/message/push", .post) { request, context in
            var request = request
            let retryKey = request.headers[.lineRetryKey]
            // Authenticate first: LINE answers 401 before it looks at the body.
            let (channelID, _) = try await push.channelTokens.authenticate(bearer: request.bearerToken)
            let (bytes, body) = try await request.messagingJSONObject(context: context)
            let outcome: PushService.Outcome
            do {
                outcome = try await push.push(channelID: channelID, retryKey: retryKey, body: body, requestID: context.requestID)
            } catch let error as PlatformError where error.invalidProperty != nil {
                throw Self.locating(error, in: bytes)
            }
            switch outcome {
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

extension MessagingRoutes {
    /// The error with the line and column where its property's value starts in the body, as LINE reports them.
    static func locating(_ error: PlatformError, in body: ByteBuffer) -> PlatformError {
        let bytes = Array(body.readableBytesView)
        guard let property = error.invalidProperty, let offset = JSONValue.valueOffsets(in: bytes)[property] else { return error }
        let (line, column) = Request.lineAndColumn(of: offset, in: bytes)
        return error.withPosition(line: line, column: column)
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
