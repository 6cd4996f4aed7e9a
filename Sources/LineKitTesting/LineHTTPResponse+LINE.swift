import Foundation
import HTTPTypes
import LineCore

/// Answers shaped like LINE's, for ``MockTransport``: successes of the common endpoints and both of LINE's error
/// bodies (the Messaging API's `message`/`details`, the OAuth endpoints' `error`/`error_description`).
extension LineHTTPResponse {
    /// A JSON answer.
    ///
    /// - Parameters:
    ///   - json: the body, as JSON text.
    ///   - status: the status. Default 200.
    public static func json(_ json: String, status: Int = 200) -> LineHTTPResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return LineHTTPResponse(status: status, headers: headers, body: Data(json.utf8))
    }

    /// An answer whose body is `value` encoded as JSON.
    ///
    /// - Parameters:
    ///   - value: the body.
    ///   - status: the status. Default 200.
    /// - Throws: the encoder's error.
    public static func encoding(_ value: some Encodable, status: Int = 200) throws -> LineHTTPResponse {
        .json(String(decoding: try JSONEncoder().encode(value), as: UTF8.self), status: status)
    }

    /// A Messaging API error: `{"message": …, "details": [{"message": …, "property": …}]}`.
    ///
    /// - Parameters:
    ///   - status: the status (400, 401, 403, 409, 429, …).
    ///   - message: LINE's `message`.
    ///   - details: `(property, message)` pairs for `details`.
    public static func messagingError(status: Int, message: String, details: [(property: String, message: String)] = []) -> LineHTTPResponse
    {
        var body: [String: Any] = ["message": message]
        if !details.isEmpty { body["details"] = details.map { ["property": $0.property, "message": $0.message] } }
        return .json(jsonText(body), status: status)
    }

    /// An OAuth endpoint's error: `{"error": …, "error_description": …}`.
    ///
    /// - Parameters:
    ///   - status: the status. Default 400.
    ///   - error: LINE's `error` (`invalid_request`, `invalid_grant`, `invalid_client`, …).
    ///   - description: LINE's `error_description`, if any.
    public static func oauthError(status: Int = 400, error: String, description: String? = nil) -> LineHTTPResponse {
        var body: [String: Any] = ["error": error]
        if let description { body["error_description"] = description }
        return .json(jsonText(body), status: status)
    }

    /// LINE's 429 for a request over its rate limit.
    public static var rateLimited: LineHTTPResponse {
        .messagingError(status: 429, message: "The API rate limit has been exceeded. Try again later.")
    }

    /// A channel access token as the short-lived and stateless token endpoints answer it.
    ///
    /// - Parameters:
    ///   - token: the token.
    ///   - expiresIn: its lifetime in seconds. Default 30 days.
    public static func channelAccessToken(_ token: String, expiresIn: Int = 2_592_000) -> LineHTTPResponse {
        .json(jsonText(["access_token": token, "expires_in": expiresIn, "token_type": "Bearer"]))
    }

    /// A push, reply or multicast accepted: `{"sentMessages": [{"id": …, "quoteToken": …}]}`.
    ///
    /// - Parameter messageIDs: the IDs of the messages sent, in order.
    public static func sentMessages(_ messageIDs: [String]) -> LineHTTPResponse {
        .json(jsonText(["sentMessages": messageIDs.map { ["id": $0, "quoteToken": "quote-\($0)"] }]))
    }

    /// A LINE Login profile (`GET /v2/profile`).
    ///
    /// - Parameters:
    ///   - userID: `userId`.
    ///   - displayName: `displayName`.
    ///   - pictureURL: `pictureUrl`, if any.
    ///   - statusMessage: `statusMessage`, if any.
    public static func profile(userID: String, displayName: String, pictureURL: String? = nil, statusMessage: String? = nil)
        -> LineHTTPResponse
    {
        var body: [String: Any] = ["userId": userID, "displayName": displayName]
        if let pictureURL { body["pictureUrl"] = pictureURL }
        if let statusMessage { body["statusMessage"] = statusMessage }
        return .json(jsonText(body))
    }

    private static func jsonText(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
