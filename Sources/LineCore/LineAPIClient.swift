import Foundation
import HTTPTypes
import Logging

/// Sends requests to LINE's APIs with everything the SDK's clients share: the request cap, retries of idempotent
/// calls, guideline log records, and LINE's errors turned into `LineAPIError`.
public struct LineAPIClient: Sendable {
    /// Everything about how requests are sent. Every property has a working default.
    public struct Configuration: Sendable {
        /// Default: `.production`.
        public var endpoints: Endpoints
        /// Default: AsyncHTTPClient with `HTTPClient.shared`.
        public var transport: any LineTransport
        /// Retries of idempotent calls on 429, 5xx and timeouts. Default: 4 attempts within 20 seconds.
        public var retryPolicy: RetryPolicy
        /// What waits between retries. Default: `TaskSleeper` (tests inject one that records instead of sleeping).
        public var sleeper: any RetrySleeper
        /// The client-side caps per endpoint family (``RateLimits``); `nil` for none. Default: LINE's documented
        /// rates (``RateLimits/line``: push 2,000/s, multicast 200/s, broadcast 60/hour, …), so an app is never
        /// held below what LINE allows.
        public var limiter: RequestLimiter?
        /// Where guideline records go (at `.info`); `nil` logs nothing.
        public var logger: Logger?

        /// A configuration; every argument has the default documented on its property.
        public init(
            endpoints: Endpoints = .production,
            transport: any LineTransport = AsyncHTTPClientTransport(),
            retryPolicy: RetryPolicy = RetryPolicy(),
            sleeper: any RetrySleeper = TaskSleeper(),
            limiter: RequestLimiter? = RequestLimiter(),
            logger: Logger? = nil
        ) {
            self.endpoints = endpoints
            self.transport = transport
            self.retryPolicy = retryPolicy
            self.sleeper = sleeper
            self.limiter = limiter
            self.logger = logger
        }
    }

    /// How requests are sent.
    public let configuration: Configuration

    /// A client sending as `configuration` says; by default to LINE's production hosts.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Where requests go: `configuration.endpoints`.
    public var endpoints: Endpoints { configuration.endpoints }

    /// Sends `request`; a 2xx response is returned, anything else thrown as `LineAPIError`.
    ///
    /// - Parameters:
    ///   - request: the request, with its full URL.
    ///   - idempotent: whether the call may be repeated safely; only then is it retried.
    /// - Returns: the 2xx response.
    /// - Throws: ``LineAPIError``: `.http` with LINE's status and error body for a non-2xx answer (after the retries
    ///   an idempotent call is allowed), `.timeout` or `.connection` when no answer came, `.rateCapExceeded` when the
    ///   client-side cap refused the call before it was sent. `CancellationError` when the task is cancelled while
    ///   waiting to retry.
    public func send(_ request: LineHTTPRequest, idempotent: Bool) async throws -> LineHTTPResponse {
        let policy = idempotent ? configuration.retryPolicy : .none
        var waited = Duration.zero
        var attempt = 1
        while true {
            do {
                return try await attemptOnce(request)
            } catch let error as LineAPIError where error.isTransient && attempt < policy.maximumAttempts {
                let delay = policy.delay(afterAttempt: attempt)
                guard waited + delay <= policy.budget else { throw error }
                waited += delay
                attempt += 1
                try await configuration.sleeper.sleep(for: delay)
            }
        }
    }

    private func attemptOnce(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        let endpoint = "\(request.method.rawValue) \(GuidelineLog.withoutQuery(request.url))"
        let started = Date()
        let transport = configuration.transport
        let response: LineHTTPResponse
        do {
            if let limiter = configuration.limiter {
                response = try await limiter.run(request) { try await transport.send(request) }
            } else {
                response = try await transport.send(request)
            }
        } catch let error as LineTransportError {
            log(request, started: started, requestID: nil, status: nil)
            throw LineAPIError(code: error.code == .timeout ? .timeout : .connection, message: error.message, endpoint: endpoint)
        }
        log(request, started: started, requestID: response.requestID, status: response.status)
        guard (200..<300).contains(response.status) else { throw LineAPIError(response: response, endpoint: endpoint) }
        return response
    }

    private func log(_ request: LineHTTPRequest, started: Date, requestID: String?, status: Int?) {
        guard let logger = configuration.logger else { return }
        GuidelineLog.apiRequest(
            logger,
            requestID: requestID,
            time: started,
            method: request.method.rawValue,
            endpoint: request.url,
            status: status
        )
    }

    // MARK: Conveniences

    /// POSTs an `application/x-www-form-urlencoded` body to an API path.
    ///
    /// - Parameters:
    ///   - path: the API path (`/oauth2/v2.1/token`).
    ///   - fields: the form fields, in order.
    ///   - idempotent: whether the call may be retried. Default `false`.
    /// - Returns: the 2xx response.
    /// - Throws: ``LineAPIError`` as ``send(_:idempotent:)`` does.
    public func postForm(_ path: String, _ fields: [(String, String)], idempotent: Bool = false) async throws -> LineHTTPResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        let request = LineHTTPRequest(
            method: .post,
            url: endpoints.api(path),
            headers: headers,
            body: Data(FormEncoding.encode(fields).utf8)
        )
        return try await send(request, idempotent: idempotent)
    }

    /// GETs an API path with query parameters.
    ///
    /// - Parameters:
    ///   - path: the API path (`/v2/profile`).
    ///   - query: the query parameters, in order.
    ///   - bearer: the access token for `Authorization: Bearer`, if the endpoint needs one.
    ///   - idempotent: whether the call may be retried. Default `true`.
    /// - Returns: the 2xx response.
    /// - Throws: ``LineAPIError`` as ``send(_:idempotent:)`` does.
    public func get(_ path: String, query: [(String, String)] = [], bearer: String? = nil, idempotent: Bool = true) async throws
        -> LineHTTPResponse
    {
        let suffix = query.isEmpty ? "" : "?" + FormEncoding.encode(query)
        var headers = HTTPFields()
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await send(LineHTTPRequest(method: .get, url: endpoints.api(path + suffix), headers: headers), idempotent: idempotent)
    }

    /// Decodes a 2xx body as `Value`, keeping the request ID.
    ///
    /// - Throws: ``LineAPIError`` with code `.invalidResponse` when the body is not a `Value`.
    public func decode<Value: Decodable & Sendable>(_ type: Value.Type, from response: LineHTTPResponse) throws -> LineResponse<Value> {
        do {
            return LineResponse(
                value: try JSONDecoder().decode(type, from: response.body),
                requestID: response.requestID,
                status: response.status
            )
        } catch {
            throw LineAPIError(
                code: .invalidResponse,
                status: response.status,
                message: String(describing: error),
                requestID: response.requestID
            )
        }
    }
}

/// `application/x-www-form-urlencoded` encoding: only RFC 3986 unreserved characters stay as they are.
package enum FormEncoding {
    package static func encode(_ value: String) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        allowed.remove(charactersIn: "")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    package static func encode(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
