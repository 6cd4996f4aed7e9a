import Foundation
import HTTPTypes
import LineCore
import LineMessaging
import Synchronization

/// A transport that answers every request itself and keeps them, to check what the SDK sends without a server.
/// Token requests get a short-lived token; every other request gets the next queued response (200 `{}` when none).
final class RecordingTransport: LineTransport {
    private let state = Mutex<(requests: [LineHTTPRequest], responses: [LineHTTPResponse])>(([], []))

    /// The requests sent so far, without the token requests.
    var requests: [LineHTTPRequest] { state.withLock { $0.requests } }

    /// Queues the answer to the next request that is not a token request.
    func answer(status: Int = 200, _ json: String, headers: HTTPFields = [:]) {
        var headers = headers
        headers[.contentType] = "application/json"
        let response = LineHTTPResponse(status: status, headers: headers, body: Data(json.utf8))
        state.withLock { $0.responses.append(response) }
    }

    func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        if request.url.path == "/v2/oauth/accessToken" {
            let token = #"{"access_token":"recorded-token","expires_in":2592000,"token_type":"Bearer"}"#
            return LineHTTPResponse(status: 200, headers: [.contentType: "application/json"], body: Data(token.utf8))
        }
        return state.withLock { state in
            state.requests.append(request)
            return state.responses.isEmpty ? LineHTTPResponse(status: 200, body: Data("{}".utf8)) : state.responses.removeFirst()
        }
    }

    /// The SDK's API client on this transport.
    var api: LineAPIClient { LineAPIClient(configuration: .init(endpoints: .production, transport: self)) }

    /// A token provider whose tokens come from `transport`.
    static func provider(_ transport: RecordingTransport) -> ChannelTokenProvider {
        ChannelTokenProvider(
            channelID: "2000000003",
            credential: .secret("a1b2c3d4e5f60718293a4b5c6d7e8f90"),
            client: ChannelAccessTokenClient(api: transport.api)
        )
    }

    /// A Messaging API client on this transport.
    var messaging: MessagingClient { MessagingClient(api: api, tokens: Self.provider(self)) }
}

extension LineHTTPRequest {
    /// The body as a JSON object.
    var jsonObject: [String: Any] {
        body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    }
}
