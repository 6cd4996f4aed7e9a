import Crypto
import Foundation

/// Checks `x-line-signature`: base64 of the HMAC-SHA256 of the raw request body, keyed with the channel secret.
///
/// Verify the bytes exactly as received, before any JSON decoding: re-encoding a parsed body changes its bytes.
/// The comparison runs in constant time.
///
/// ```swift
/// let verifier = WebhookVerifier(channelSecret: channelSecret)
/// try verifier.verify(body: bodyBytes, signature: request.headers[HTTPField.Name("x-line-signature")!])
/// ```
public struct WebhookVerifier: Sendable {
    /// The request header that carries the signature.
    public static let signatureHeader = "x-line-signature"

    private let key: SymmetricKey

    /// - Parameter channelSecret: the Messaging API channel's secret, as shown in the LINE Developers Console.
    public init(channelSecret: String) {
        key = SymmetricKey(data: Array(channelSecret.utf8))
    }

    /// Throws a ``WebhookError`` unless `signature` is the signature of `body`.
    ///
    /// - Parameters:
    ///   - body: the request body exactly as received.
    ///   - signature: the `x-line-signature` header value, `nil` when the request had none.
    /// - Throws: ``WebhookError`` with code ``WebhookError/Code/missingSignature`` (no or an empty header),
    ///   ``WebhookError/Code/malformedSignature`` (not base64) or ``WebhookError/Code/signatureMismatch``.
    public func verify(body: some DataProtocol, signature: String?) throws(WebhookError) {
        guard let signature, !signature.isEmpty else {
            throw WebhookError(code: .missingSignature, message: "the request has no x-line-signature header")
        }
        guard let mac = Data(base64Encoded: signature) else {
            throw WebhookError(code: .malformedSignature, message: "x-line-signature is not base64")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else {
            throw WebhookError(
                code: .signatureMismatch,
                message: "x-line-signature does not match the body and the channel secret"
            )
        }
    }
}
