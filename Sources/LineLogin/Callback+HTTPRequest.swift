import Foundation
import HTTPTypes

extension LineLoginClient {
    /// Parses a callback that arrived as a typed request: a `GET` with the response in the query (`query` mode), or a
    /// `POST` with it in an `application/x-www-form-urlencoded` body (`form_post` mode). Logs it as the guidelines
    /// recommend, like ``handleCallback(method:pathAndQuery:pending:now:issuer:)``.
    ///
    /// ```swift
    /// let outcome = await login.handleCallback(request, body: bodyBytes, pending: pending)
    /// ```
    /// - Parameters:
    ///   - request: the callback request (its path carries the query).
    ///   - body: the request body; only read for a `POST`.
    ///   - pending: what the redirect to LINE stored.
    ///   - now: the time the pending authorization's age and the ID token are checked against.
    public func handleCallback(_ request: HTTPRequest, body: [UInt8] = [], pending: PendingAuthorization, now: Date = Date()) async
        -> CallbackOutcome
    {
        let pathAndQuery = request.path ?? "/"
        guard request.method == .post else {
            return await handleCallback(method: request.method.rawValue, pathAndQuery: pathAndQuery, pending: pending, now: now)
        }
        let mediaType = request.headerFields[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        guard mediaType?.lowercased() == "application/x-www-form-urlencoded" else {
            return .failed(error: "INVALID_REQUEST", description: "a form_post callback must be application/x-www-form-urlencoded")
        }
        let path = pathAndQuery.split(separator: "?", maxSplits: 1).first.map(String.init) ?? pathAndQuery
        let form = String(decoding: body, as: UTF8.self)
        return await handleCallback(method: "POST", pathAndQuery: path + "?" + form, pending: pending, now: now)
    }
}
