import Foundation

/// Verifies a webhook request from LINE and decodes its events: the one call a webhook route needs.
///
/// The signature is checked on the raw bytes first; the body is decoded only once it is proven to come from LINE.
/// Unknown event and message types decode as `.unknown`/`.other` cases, so a new LINE feature never breaks a bot.
///
/// In a Hummingbird route (answer LINE quickly; do slow work after responding):
///
/// ```swift
/// let parser = WebhookParser(channelSecret: channelSecret)
/// router.post("/webhook") { request, _ -> HTTPResponse.Status in
///     let body = try await request.body.collect(upTo: 1 << 20)
///     let payload: WebhookPayload
///     do {
///         payload = try parser.parse(
///             body: Array(buffer: body),
///             signature: request.headers[HTTPField.Name("x-line-signature")!]
///         )
///     } catch {
///         throw HTTPError(.badRequest)  // not from LINE, or not a webhook body
///     }
///     for event in payload.events {
///         if case .message(.text(let message)) = event.content { print(message.text) }
///     }
///     return .ok
/// }
/// ```
public struct WebhookParser: Sendable {
    private let verifier: WebhookVerifier

    /// - Parameter channelSecret: the Messaging API channel's secret.
    public init(channelSecret: String) {
        verifier = WebhookVerifier(channelSecret: channelSecret)
    }

    /// Verifies `signature` against `body`, then decodes the body.
    /// - Parameters:
    ///   - body: the request body exactly as received.
    ///   - signature: the `x-line-signature` header value, `nil` when the request had none.
    /// - Throws: ``WebhookError``: `.missingSignature`, `.malformedSignature`, `.signatureMismatch`, or
    ///   `.invalidBody` when a correctly signed body is not a webhook body.
    public func parse(body: some DataProtocol, signature: String?) throws(WebhookError) -> WebhookPayload {
        try verifier.verify(body: body, signature: signature)
        do {
            return try JSONDecoder().decode(WebhookPayload.self, from: Data(body))
        } catch let error as DecodingError {
            throw WebhookError(code: .invalidBody, message: Self.explain(error))
        } catch {
            throw WebhookError(code: .invalidBody, message: "the body could not be decoded")
        }
    }

    /// Where decoding stopped, for logs (field names and the decoder's reason; no values).
    private static func explain(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            "the body is not JSON"
        case .keyNotFound(let key, let context):
            "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "unexpected value at \(path(context.codingPath))"
        @unknown default:
            "the body is not a webhook body"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
