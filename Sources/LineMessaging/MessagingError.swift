/// A failure of the Messaging side of the SDK that is not LINE's own answer (those are `LineAPIError`): a message
/// refused before sending, an assertion or key that cannot be used, a token store or sealing key that fails.
///
/// Match on ``code`` (extensible: new codes do not break a `switch` with a `default`). Equality compares the code and
/// the slot only. Nothing here ever holds a token or a secret.
///
/// ```swift
/// do { try await messaging.push(to: userID, messages: messages) }
/// catch let error as MessagingError where error.code == .storeUnavailable { … }
/// ```
public struct MessagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case emptyText, textTooLong, messageCount, tokenLifetimeOutOfRange, invalidAssertionKey, assertionKeyTooSmall
            case sealedTokenUnreadable, invalidSealingKey, storeUnavailable, timedOutWaitingForToken
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A text message must have at least one character.
        public static let emptyText = Code(.emptyText)
        /// LINE counts text in UTF-16 code units and refuses more than 5,000.
        public static let textTooLong = Code(.textTooLong)
        /// A push takes 1 to 5 messages.
        public static let messageCount = Code(.messageCount)
        /// An assertion's `token_exp` must be between 1 second and 30 days.
        public static let tokenLifetimeOutOfRange = Code(.tokenLifetimeOutOfRange)
        /// The JWK is not an RSA private key (a member is missing or is not a key).
        public static let invalidAssertionKey = Code(.invalidAssertionKey)
        /// The RSA key is smaller than the 2,048 bits LINE requires.
        public static let assertionKeyTooSmall = Code(.assertionKeyTooSmall)
        /// The store's token of a slot does not open with this sealing key: another key sealed it, or it was altered.
        public static let sealedTokenUnreadable = Code(.sealedTokenUnreadable)
        /// The sealing key is not 128, 192 or 256 bits (a key file: 32 bytes, raw, base64 or hex).
        public static let invalidSealingKey = Code(.invalidSealingKey)
        /// The token store's backend cannot be reached or refused the operation.
        public static let storeUnavailable = Code(.storeUnavailable)
        /// Another provider held the claim to issue for twice the lease without publishing a token.
        public static let timedOutWaitingForToken = Code(.timedOutWaitingForToken)

        /// The code's name (`storeUnavailable`, …).
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for logs: what was wrong, never a token or secret.
    public var message: String
    /// The channel and token kind concerned, for the token store, sealing and provider codes.
    public var slot: ChannelTokenSlot?

    /// An error.
    ///
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - message: a sentence for logs, never a token or secret.
    ///   - slot: the channel and token kind concerned.
    public init(code: Code, message: String, slot: ChannelTokenSlot? = nil) {
        self.code = code
        self.message = message
        self.slot = slot
    }

    /// Whether both have the same code and slot (messages aside).
    public static func == (lhs: MessagingError, rhs: MessagingError) -> Bool { lhs.code == rhs.code && lhs.slot == rhs.slot }

    /// The code and the message, for logs.
    public var description: String { "LINE Messaging error (\(code)): \(message)" }
}

extension MessagingError {
    /// ``Code/emptyText``.
    public static let emptyText = MessagingError(code: .emptyText, message: "a text message needs at least one character")
    /// ``Code/invalidAssertionKey``.
    public static let invalidAssertionKey = MessagingError(
        code: .invalidAssertionKey,
        message: "the JWK is not an RSA private key (kty RSA with n, e, d, p and q)"
    )
    /// ``Code/invalidSealingKey``.
    public static let invalidSealingKey = MessagingError(
        code: .invalidSealingKey,
        message: "the sealing key must be 128, 192 or 256 bits (a key file: 32 bytes, raw, base64 or hex)"
    )

    /// ``Code/textTooLong``.
    ///
    /// - Parameter length: the text's length in UTF-16 code units.
    public static func textTooLong(utf16Length length: Int) -> MessagingError {
        MessagingError(code: .textTooLong, message: "the text is \(length) UTF-16 code units; LINE allows 5,000")
    }

    /// ``Code/messageCount``.
    ///
    /// - Parameter count: how many messages were given.
    public static func messageCount(_ count: Int) -> MessagingError {
        MessagingError(code: .messageCount, message: "\(count) messages given; LINE takes 1 to 5 per request")
    }

    /// ``Code/tokenLifetimeOutOfRange``.
    ///
    /// - Parameter seconds: the lifetime asked for.
    public static func tokenLifetimeOutOfRange(_ seconds: Int) -> MessagingError {
        MessagingError(code: .tokenLifetimeOutOfRange, message: "token_exp \(seconds) s is outside 1 s to 30 days")
    }

    /// ``Code/assertionKeyTooSmall``.
    ///
    /// - Parameter bits: the key's size.
    public static func assertionKeyTooSmall(bits: Int) -> MessagingError {
        MessagingError(code: .assertionKeyTooSmall, message: "the RSA key has \(bits) bits; LINE requires 2,048 or more")
    }

    /// ``Code/sealedTokenUnreadable``.
    ///
    /// - Parameter slot: the slot whose token does not open.
    public static func sealedTokenUnreadable(_ slot: ChannelTokenSlot) -> MessagingError {
        MessagingError(
            code: .sealedTokenUnreadable,
            message:
                "the shared channel access token of \(slot) does not open with this sealing key (another key sealed it, or it was altered)",
            slot: slot
        )
    }

    /// ``Code/storeUnavailable``.
    ///
    /// - Parameter reason: why, never a token.
    public static func storeUnavailable(_ reason: String) -> MessagingError {
        MessagingError(code: .storeUnavailable, message: "the channel token store is unavailable: \(reason)")
    }

    /// ``Code/timedOutWaitingForToken``.
    ///
    /// - Parameters:
    ///   - slot: the slot waited for.
    ///   - lease: the issue lease.
    public static func timedOutWaitingForToken(_ slot: ChannelTokenSlot, lease: Duration) -> MessagingError {
        MessagingError(
            code: .timedOutWaitingForToken,
            message:
                "no channel access token of \(slot) was published within twice the issue lease (\(lease)): another process keeps claiming it",
            slot: slot
        )
    }
}
