/// Why a webhook request was refused: its signature did not prove it came from LINE, or its body could not be read.
///
/// Equality compares the code only. Nothing here ever holds the channel secret.
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case missingSignature, malformedSignature, signatureMismatch, invalidBody
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The request has no `x-line-signature` header (or an empty one).
        public static let missingSignature = Code(.missingSignature)
        /// `x-line-signature` is not base64.
        public static let malformedSignature = Code(.malformedSignature)
        /// The signature is not the HMAC-SHA256 of this body with this channel secret.
        public static let signatureMismatch = Code(.signatureMismatch)
        /// The signature is valid but the body is not a webhook body LINE documents (not JSON, or a field is missing).
        public static let invalidBody = Code(.invalidBody)

        /// The code's name (`signatureMismatch`, …).
        public var description: String { base.rawValue }
    }

    /// What went wrong; compare it with the static codes (`error.code == .signatureMismatch`).
    public var code: Code
    /// A sentence for logs: what was wrong, never the secret.
    public var message: String

    /// An error with `code` and a `message` for logs (which must not hold the channel secret).
    ///
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - message: a sentence for logs.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether both have the same code (messages aside).
    public static func == (lhs: WebhookError, rhs: WebhookError) -> Bool { lhs.code == rhs.code }

    /// The code and the message, for logs.
    public var description: String { "webhook \(code): \(message)" }
}
