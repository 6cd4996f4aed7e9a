import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1

/// One HTTP request to LINE, as the SDK builds it.
public struct LineHTTPRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The full URL, query included.
    public var url: URL
    /// The header fields (`Authorization`, `Content-Type`, `X-Line-Retry-Key`, …).
    public var headers: HTTPFields
    /// The body, for `POST` and `PUT`.
    public var body: Data?

    /// A request; no headers and no body by default.
    public init(method: HTTPRequest.Method, url: URL, headers: HTTPFields = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response from LINE.
public struct LineHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The header fields.
    public var headers: HTTPFields
    /// The body as received (empty when there was none).
    public var body: Data

    /// A response (what a test transport answers with).
    public init(status: Int, headers: HTTPFields = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `x-line-request-id`, present on every LINE response.
    public var requestID: String? { headers[.lineRequestID] }
}

/// Sends requests to LINE. The SDK's clients sit on this, so tests can answer without sockets.
///
/// Implementations throw `LineTransportError` for failures where no HTTP response arrived (a timeout, a refused or
/// dropped connection); any HTTP status, error or not, is returned as a response.
public protocol LineTransport: Sendable {
    /// Sends `request` and returns LINE's response, whatever its status.
    ///
    /// - Throws: ``LineTransportError`` when no HTTP response arrived: a timeout, or a connection refused or dropped.
    func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse
}

/// No HTTP response arrived. Equality compares the code only.
public struct LineTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why no response arrived, extensible without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case timeout, connection
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No complete response within the transport's timeout.
        public static let timeout = Code(.timeout)
        /// The connection could not be made, or was dropped before the response was complete.
        public static let connection = Code(.connection)

        /// The code's name (`timeout`, `connection`).
        public var description: String { base.rawValue }
    }

    /// Why no response arrived.
    public var code: Code
    /// The underlying error's description, for logs.
    public var message: String

    /// An error.
    ///
    /// - Parameters:
    ///   - code: why no response arrived.
    ///   - message: the underlying error's description, for logs.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether both have the same code (messages aside).
    public static func == (lhs: LineTransportError, rhs: LineTransportError) -> Bool { lhs.code == rhs.code }

    /// What failed and the underlying description, for logs.
    public var description: String { "\(code == .timeout ? "timed out" : "connection failed"): \(message)" }
}

/// The real transport: AsyncHTTPClient, with connection reuse and a per-request timeout.
public struct AsyncHTTPClientTransport: LineTransport {
    /// The client requests are sent with.
    public var client: HTTPClient
    /// The deadline of one attempt, from sending to the whole body.
    public var timeout: Duration
    /// Responses larger than this are refused (LINE's own limit on bodies is 2 MB).
    public var maximumResponseSize: Int

    /// - Parameters:
    ///   - client: the client to send with; `HTTPClient.shared` by default (it needs no shutdown).
    ///   - timeout: the deadline of one attempt, from sending to the whole body. Default 30 seconds.
    ///   - maximumResponseSize: responses with a larger body are refused, in bytes. Default 8 MiB.
    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(30), maximumResponseSize: Int = 8 * 1024 * 1024) {
        self.client = client
        self.timeout = timeout
        self.maximumResponseSize = maximumResponseSize
    }

    /// Sends `request` with ``client``, within ``timeout``, and returns the response whatever its status.
    ///
    /// - Throws: ``LineTransportError`` with code ``LineTransportError/Code/timeout`` when the deadline passes, or
    ///   ``LineTransportError/Code/connection`` when the connection fails or the body is larger than
    ///   ``maximumResponseSize``.
    public func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers { outgoing.headers.add(name: field.name.rawName, value: field.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let seconds = timeout.components.seconds
        let nanoseconds = timeout.components.attoseconds / 1_000_000_000
        let deadline = TimeAmount.seconds(seconds) + .nanoseconds(nanoseconds)
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            let body = try await response.body.collect(upTo: maximumResponseSize)
            var headers = HTTPFields()
            for header in response.headers {
                if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
            }
            return LineHTTPResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw LineTransportError(code: .timeout, message: String(describing: error))
        } catch let error as HTTPClientError {
            throw LineTransportError(code: .connection, message: String(describing: error))
        } catch let error as NIOCore.IOError {
            throw LineTransportError(code: .connection, message: String(describing: error))
        } catch let error as ChannelError {
            throw LineTransportError(code: .connection, message: String(describing: error))
        }
    }
}

extension HTTPField.Name {
    /// `x-line-request-id`.
    public static let lineRequestID = HTTPField.Name("x-line-request-id")!
    /// `x-line-accepted-request-id`, on a 409 for a retry key already accepted.
    public static let lineAcceptedRequestID = HTTPField.Name("x-line-accepted-request-id")!
    /// `X-Line-Retry-Key`.
    public static let lineRetryKey = HTTPField.Name("X-Line-Retry-Key")!
}
