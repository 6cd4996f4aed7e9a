import Foundation
import LineCore

/// Request-body checks of multicast, broadcast and narrowcast, in LINE's error shape. The messages themselves are
/// checked exactly as push checks them (``PushService/validate(_:)``).
enum AudienceSendValidation {
    /// Multicast's `to`: 1 to 500 user IDs (OpenAPI `MulticastRequest`).
    static let maximumMulticastRecipients = 500

    /// The messages of a body that has no `to` of push's kind, with any problems of `extra` reported with them.
    ///
    /// - Parameters:
    ///   - body: the request body.
    ///   - extra: problems of the endpoint's own fields, reported before those of the messages.
    ///   - wrongType: the first of the endpoint's own fields whose value has the wrong type (LINE stops at it).
    static func messages(
        of body: [String: JSONValue],
        extra: [PlatformError.Detail] = [],
        wrongType: String? = nil
    ) throws(PlatformError) -> [[String: JSONValue]] {
        var withRecipient = body
        withRecipient["to"] = .string(placeholderRecipient)
        let messages: [[String: JSONValue]]
        do throws(PlatformError) {
            messages = try PushService.validate(withRecipient).messages
        } catch {
            if let wrongType { throw .invalidProperty(wrongType) }
            guard error.invalidProperty == nil, case .message(_, let details) = error.body, !details.isEmpty else { throw error }
            throw .validation(extra + details)
        }
        if let wrongType { throw .invalidProperty(wrongType) }
        if !extra.isEmpty { throw .validation(extra) }
        return messages
    }

    /// A well-formed user ID that stands for the recipients push's checks expect; never stored.
    private static let placeholderRecipient = "U" + String(repeating: "0", count: 32)

    /// Multicast's recipients, without repeats, in the order given.
    static func multicast(_ body: [String: JSONValue]) throws(PlatformError) -> (to: [String], messages: [[String: JSONValue]]) {
        var details: [PlatformError.Detail] = []
        var wrongType: String?
        var recipients: [String] = []
        switch body["to"] {
        case nil, .null:
            details.append(.init(message: "must be specified", property: "to"))
        case .array(let array):
            if !(1...maximumMulticastRecipients).contains(array.count) {
                details.append(.init(message: "Size must be between 1 and \(maximumMulticastRecipients)", property: "to"))
            }
            for (index, element) in array.enumerated() {
                guard let id = element.stringValue, id.hasPrefix("U"), PushService.isRecipientID(id) else {
                    wrongType = wrongType ?? "to[\(index)]"
                    continue
                }
                if !recipients.contains(id) { recipients.append(id) }
            }
        default:
            wrongType = "to"
        }
        let messages = try messages(of: body, extra: details, wrongType: wrongType)
        return (recipients, messages)
    }

    /// Narrowcast's optional `limit.max`; `recipient` and `filter` are refused (the emulator has no audiences and no
    /// demographic data: docs/FIDELITY.md).
    static func narrowcast(_ body: [String: JSONValue]) throws(PlatformError) -> (max: Int?, messages: [[String: JSONValue]]) {
        var details: [PlatformError.Detail] = []
        var wrongType: String?
        for property in ["recipient", "filter"] {
            switch body[property] {
            case nil, .null: break
            case .object: details.append(.init(message: unsupportedTargeting, property: property))
            default: wrongType = wrongType ?? property
            }
        }
        var max: Int?
        switch body["limit"] {
        case nil, .null: break
        case .object(let limit):
            switch limit["max"] {
            case nil, .null: break
            case .integer(let number) where number < 1:
                details.append(.init(message: "must be greater than or equal to 1", property: "limit.max"))
            case .integer(let number) where number <= Int(Int32.max): max = number
            default: wrongType = wrongType ?? "limit.max"
            }
            for flag in ["upToRemainingQuota", "forbidPartialDelivery"] {
                switch limit[flag] {
                case nil, .null, .bool: break
                default: wrongType = wrongType ?? "limit.\(flag)"
                }
            }
        default:
            wrongType = wrongType ?? "limit"
        }
        return (max, try messages(of: body, extra: details, wrongType: wrongType))
    }

    /// The detail of a narrowcast with `recipient` or `filter`.
    static let unsupportedTargeting =
        "Not supported by the LINE Platform emulator: it has no audiences or demographic data, so narrowcast sends to every friend (optionally limit.max of them)"
}
