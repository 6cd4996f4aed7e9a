import Foundation

/// A group chat or a multi-person chat ("room") on the emulated platform: the users in it and the Messaging API
/// channels whose bots have joined it. Pushes to it succeed only from those channels.
struct GroupChat: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case group
        case room

        /// The first letter of this kind's IDs: `C` for groups, `R` for rooms.
        var idPrefix: String { self == .group ? "C" : "R" }
    }

    /// `C` (group) or `R` (room) followed by 32 lowercase hexadecimal digits.
    var chatID: String
    var kind: Kind
    /// The group's name (rooms have none on LINE).
    var name: String?
    var memberIDs: [String]
    /// The Messaging API channels whose LINE Official Account is in the chat.
    var channelIDs: [String]

    /// Whether `id` is a well-formed ID of `kind`.
    static func isValidID(_ id: String, kind: Kind) -> Bool {
        id.hasPrefix(kind.idPrefix) && PushService.isRecipientID(id)
    }

    /// A new random ID of `kind`.
    static func newID(kind: Kind) -> String { kind.idPrefix + Randomness.hex(bytes: 16) }
}
