import Foundation
import HTTPTypes
import LineCore
import Synchronization

/// A `LineTransport` for unit tests: it records every request and answers from a script, so code built on
/// the SDK's clients is tested without sockets, servers or LINE.
///
/// Answers come from routes (``respond(to:path:with:)``: every request to that method and path) first, then from the
/// queue (``enqueue(_:)``, ``enqueueFailure(_:)``: one answer per request, in order); a request neither answers gets
/// LINE's 404 `{"message":"Not found"}`. Every answer without `x-line-request-id` gets one, as LINE's do.
///
/// ```swift
/// let transport = MockTransport()
/// transport.respond(to: .post, path: "/v2/oauth/accessToken", with: .channelAccessToken("test-token"))
/// transport.enqueue(.messagingError(status: 429, message: "The API rate limit has been exceeded. Try again later."))
/// let api = LineAPIClient(configuration: .init(transport: transport, retryPolicy: .none))
/// // … exercise your code, then look at transport.requests
/// ```
public final class MockTransport: LineTransport {
    private struct State {
        var routes: [Route: LineHTTPResponse] = [:]
        var queue: [Result<LineHTTPResponse, LineTransportError>] = []
        var requests: [LineHTTPRequest] = []
        var nextRequestID = 1
    }

    private struct Route: Hashable {
        var method: HTTPRequest.Method
        var path: String
    }

    private let state = Mutex(State())

    /// A transport with no routes and an empty queue.
    public init() {}

    /// Answers every later request to `method` and `path` (the URL's path, without the query) with `response`.
    ///
    /// - Parameters:
    ///   - method: the request method.
    ///   - path: the URL's path, such as `/v2/bot/message/push`.
    ///   - response: the answer.
    public func respond(to method: HTTPRequest.Method, path: String, with response: LineHTTPResponse) {
        state.withLock { $0.routes[Route(method: method, path: path)] = response }
    }

    /// Queues answers for the next requests that no route answers, one each, in order.
    ///
    /// - Parameter responses: the answers.
    public func enqueue(_ responses: LineHTTPResponse...) {
        state.withLock { $0.queue += responses.map { .success($0) } }
    }

    /// Queues a failure without any HTTP answer (a timeout or a dropped connection) for the next unrouted request.
    ///
    /// - Parameter code: what failed: `.timeout` or `.connection`.
    public func enqueueFailure(_ code: LineTransportError.Code) {
        state.withLock { $0.queue.append(.failure(LineTransportError(code: code, message: "MockTransport: \(code)"))) }
    }

    /// Every request sent so far, in order.
    public var requests: [LineHTTPRequest] { state.withLock { $0.requests } }

    /// The requests sent so far to `path` (the URL's path, without the query).
    ///
    /// - Parameter path: the URL's path.
    public func requests(to path: String) -> [LineHTTPRequest] { requests.filter { $0.url.path == path } }

    /// Records `request` and answers it from the routes, the queue or with a 404.
    ///
    /// - Parameter request: the request the SDK sends.
    /// - Throws: `LineTransportError` when a failure was queued for it.
    public func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        let answer: Result<LineHTTPResponse, LineTransportError> = state.withLock { state in
            state.requests.append(request)
            let requestID = String(format: "%016x", state.nextRequestID)
            state.nextRequestID += 1
            var answer: Result<LineHTTPResponse, LineTransportError> =
                if let routed = state.routes[Route(method: request.method, path: request.url.path)] {
                    .success(routed)
                } else if !state.queue.isEmpty {
                    state.queue.removeFirst()
                } else {
                    .success(.messagingError(status: 404, message: "Not found"))
                }
            if case .success(var response) = answer, response.headers[.lineRequestID] == nil {
                response.headers[.lineRequestID] = requestID
                answer = .success(response)
            }
            return answer
        }
        return try answer.get()
    }
}
