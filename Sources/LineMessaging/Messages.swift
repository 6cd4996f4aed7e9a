import Foundation
import LineCore

/// A message object for the Messaging API. Build text with `Message.text(_:)`, which checks LINE's limit first.
public struct Message: Sendable, Encodable, Equatable {
    /// The JSON of the message object, as LINE's OpenAPI document describes it.
    public var object: [String: JSONValue]

    /// A message of any type, from its JSON object.
    ///
    /// - Parameter object: the message object as LINE's OpenAPI document describes it.
    public init(object: [String: JSONValue]) {
        self.object = object
    }

    /// The most UTF-16 code units a text message may hold (🍎 counts 2).
    public static let maximumTextLength = 5000

    /// A text message; throws when `text` is empty or longer than 5,000 UTF-16 code units.
    ///
    /// - Parameter text: the text, 1 to 5,000 UTF-16 code units.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/emptyText`` or ``MessagingError/Code/textTooLong``.
    public static func text(_ text: String) throws -> Message {
        guard !text.isEmpty else { throw MessagingError.emptyText }
        let length = text.utf16.count
        guard length <= maximumTextLength else { throw MessagingError.textTooLong(utf16Length: length) }
        return Message(object: ["type": .string("text"), "text": .string(text)])
    }

    /// A sticker message.
    ///
    /// - Parameters:
    ///   - packageID: the sticker's package ID.
    ///   - stickerID: the sticker's ID.
    public static func sticker(packageID: String, stickerID: String) -> Message {
        Message(object: ["type": .string("sticker"), "packageId": .string(packageID), "stickerId": .string(stickerID)])
    }

    /// Encodes the message object as is.
    ///
    /// - Parameter encoder: the encoder to write to.
    /// - Throws: the encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        try object.encode(to: encoder)
    }
}

/// A JSON value, for message objects of any type (defined in `LineCore`, shared with the emulator).
public typealias JSONValue = LineCore.JSONValue
