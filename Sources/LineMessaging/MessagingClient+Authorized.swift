import Foundation
import HTTPTypes
import LineCore

extension MessagingClient {
    /// Sends one Messaging API request with the channel's access token. A 401 (the token was revoked or expired
    /// early) makes the provider forget the token, and the request is sent once more with a new one.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path on `api.line.me`, with any query.
    ///   - body: an `Encodable` JSON body, or `nil` for none.
    ///   - retryKey: the `X-Line-Retry-Key`, on the endpoints that accept one.
    ///   - idempotent: whether the API client may repeat the request after a 5xx or a timeout.
    func authorizedSend(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: (some Encodable)?,
        retryKey: UUID? = nil,
        idempotent: Bool
    ) async throws -> LineHTTPResponse {
        let data = try body.map { try JSONEncoder().encode($0) }
        var token = try await tokens.token()
        var refreshedToken = false
        while true {
            var headers = HTTPFields()
            if data != nil { headers[.contentType] = "application/json" }
            headers[.authorization] = "Bearer \(token.accessToken)"
            if let retryKey { headers[.lineRetryKey] = retryKey.uuidString.lowercased() }
            let request = LineHTTPRequest(method: method, url: api.endpoints.api(path), headers: headers, body: data)
            do {
                return try await api.send(request, idempotent: idempotent)
            } catch let error as LineAPIError where error.status == 401 && !refreshedToken {
                try await tokens.invalidate(token)
                token = try await tokens.token()
                refreshedToken = true
            }
        }
    }

    /// ``authorizedSend(_:_:body:retryKey:idempotent:)`` without a body.
    func authorizedSend(_ method: HTTPRequest.Method, _ path: String, idempotent: Bool) async throws -> LineHTTPResponse {
        try await authorizedSend(method, path, body: nil as EmptyBody?, idempotent: idempotent)
    }
}

/// No request body.
struct EmptyBody: Encodable, Sendable {}

/// LINE's ISO 8601 times (`2020-12-03T10:15:30.121Z`), with or without fractional seconds.
enum LineTimestamp {
    static func date(from text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    /// Decodes a timestamp member, throwing `DecodingError.dataCorrupted` for text that is not one.
    static func decode<Key: CodingKey>(_ key: Key, in container: KeyedDecodingContainer<Key>) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = date(from: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an ISO 8601 time")
        }
        return date
    }
}
