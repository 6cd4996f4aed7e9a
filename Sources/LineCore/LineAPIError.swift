import Foundation
import HTTPTypes

/// An error from LINE, or from reaching it, with everything needed to investigate: the HTTP status, LINE's own
/// error fields (OAuth `error`/`error_description` or Messaging `message`/`details`) and `x-line-request-id`.
///
/// Equality compares the code and status only.
public struct LineAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case http, timeout, connection, invalidResponse, rateCapExceeded
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// LINE answered with an error status.
        public static let http = Code(.http)
        /// No answer within the timeout.
        public static let timeout = Code(.timeout)
        /// The connection could not be made or was dropped.
        public static let connection = Code(.connection)
        /// LINE answered 2xx with a body the SDK could not read.
        public static let invalidResponse = Code(.invalidResponse)
        /// The SDK's own request cap refused the call before it was sent.
        public static let rateCapExceeded = Code(.rateCapExceeded)

        public var description: String { base.rawValue }
    }

    /// One entry of a Messaging API error's `details`.
    public struct Detail: Sendable, Equatable, Codable {
        /// What is wrong with the property.
        public var message: String?
        /// The request body's property at fault (`messages[0].text`).
        public var property: String?
    }

    /// What went wrong; compare it with the static codes (`error.code == .http`).
    public var code: Code
    /// The HTTP status, when LINE answered.
    public var status: Int?
    /// OAuth endpoints' `error` (`invalid_request`, `invalid_grant`, …).
    public var error: String?
    /// OAuth endpoints' `error_description`.
    public var errorDescription: String?
    /// Messaging-style endpoints' `message`.
    public var message: String?
    /// Messaging-style endpoints' `details`.
    public var details: [Detail]
    /// `x-line-request-id` of the failed request: quote it when asking LINE about it.
    public var requestID: String?
    /// The method and URL path of the failed request (no query: it may carry tokens).
    public var endpoint: String?
    /// `x-line-accepted-request-id`: on a 409 for a retry key, the request that was accepted.
    public var acceptedRequestID: String?
    /// The response body as received, for fields specific to one endpoint.
    public var body: Data

    /// An error with the fields given (to test code that handles LINE's errors); the SDK's clients make their own.
    public init(
        code: Code,
        status: Int? = nil,
        error: String? = nil,
        errorDescription: String? = nil,
        message: String? = nil,
        details: [Detail] = [],
        requestID: String? = nil,
        endpoint: String? = nil,
        acceptedRequestID: String? = nil,
        body: Data = Data()
    ) {
        self.code = code
        self.status = status
        self.error = error
        self.errorDescription = errorDescription
        self.message = message
        self.details = details
        self.requestID = requestID
        self.endpoint = endpoint
        self.acceptedRequestID = acceptedRequestID
        self.body = body
    }

    /// An error for an HTTP error response, reading either of LINE's error shapes.
    public init(response: LineHTTPResponse, endpoint: String?) {
        self.init(
            code: .http,
            status: response.status,
            requestID: response.requestID,
            endpoint: endpoint,
            acceptedRequestID: response.headers[.lineAcceptedRequestID],
            body: response.body
        )
        struct Body: Decodable {
            var error: String?
            var error_description: String?
            var message: String?
            var details: [Detail]?
        }
        if let body = try? JSONDecoder().decode(Body.self, from: response.body) {
            error = body.error
            errorDescription = body.error_description
            message = body.message
            details = body.details ?? []
        }
    }

    /// Whether retrying the same request may succeed: 429, 5xx, a timeout or a dropped connection.
    public var isTransient: Bool {
        switch code {
        case .timeout, .connection: true
        case .http: status == 429 || (status ?? 0) >= 500
        default: false
        }
    }

    public var description: String {
        var parts = ["LINE API error (\(code))"]
        if let endpoint { parts.append(endpoint) }
        if let status { parts.append("status \(status)") }
        if let error { parts.append("error \(error)") }
        if let errorDescription { parts.append("\"\(errorDescription)\"") }
        if let message { parts.append("\"\(message)\"") }
        for detail in details { parts.append("\(detail.property ?? "?"): \(detail.message ?? "")") }
        if let requestID { parts.append("x-line-request-id \(requestID)") }
        return parts.joined(separator: ", ")
    }

    public static func == (lhs: LineAPIError, rhs: LineAPIError) -> Bool {
        lhs.code == rhs.code && lhs.status == rhs.status
    }
}

/// A successful result with the `x-line-request-id` of the request that produced it.
public struct LineResponse<Value: Sendable>: Sendable {
    /// The decoded result.
    public var value: Value
    /// `x-line-request-id`: quote it when asking LINE about the request.
    public var requestID: String?
    /// The HTTP status (a 2xx).
    public var status: Int

    /// A response carrying `value` (to test code that uses the SDK's results).
    public init(value: Value, requestID: String?, status: Int) {
        self.value = value
        self.requestID = requestID
        self.status = status
    }
}
