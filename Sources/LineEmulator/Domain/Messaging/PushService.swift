import Foundation
import LineCore

/// The body of a successful push: one entry per message.
struct PushResponse: Encodable, Sendable {
    var sentMessages: [SentMessageRecord]
}

extension PushResponse: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("sentMessages")
        SentMessageRecord.write(sentMessages, to: &writer)
        writer.endObject()
    }
}

/// `POST /v2/bot/message/push`: validation as LINE's OpenAPI document describes it, `X-Line-Retry-Key` idempotency
/// for 24 hours, and storage of each message for the recipient (a user, or a group or room the bot is in).
struct PushService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let channelTokens: ChannelTokenService
    let rateLimiter: RateLimiter

    static let retryKeyLifetime: TimeInterval = 24 * 3600
    static let maximumTextLength = 5000

    /// The message types of LINE's OpenAPI `Message` discriminator and the fields each requires.
    static let requiredFields: [String: [String]] = [
        "text": ["text"], "textV2": ["text"], "sticker": ["packageId", "stickerId"],
        "image": ["originalContentUrl", "previewImageUrl"], "video": ["originalContentUrl", "previewImageUrl"],
        "audio": ["originalContentUrl", "duration"], "location": ["title", "address", "latitude", "longitude"],
        "imagemap": ["baseUrl", "altText", "baseSize", "actions"], "template": ["altText", "template"],
        "flex": ["altText", "contents"], "coupon": ["couponId"],
    ]
    /// The list LINE's error for an unknown message type gives (*Messaging API reference*, "Error responses"),
    /// which names the older types only; the emulator accepts every type in ``requiredFields``.
    static let typeList = "[text, image, video, audio, location, sticker, template, imagemap]"
    /// Types that can be quoted later, and so get a `quoteToken` (LINE's quote-token docs: text, textV2, sticker,
    /// image, video, template and Flex messages).
    static let quotableTypes: Set<String> = ["text", "textV2", "sticker", "image", "video", "template", "flex"]

    /// The outcome of a push.
    enum Outcome: Sendable {
        case sent(PushResponse)
        /// 409: the retry key was accepted before; the original request ID and `sentMessages`.
        case alreadyAccepted(AcceptedPush)
    }

    /// Pushes for `channelID`, the channel of the request's (already authenticated) channel access token.
    func push(channelID: String, retryKey: String?, body: [String: JSONValue], requestID: String) async throws -> Outcome {
        guard let channel = try await store.channel(id: channelID), channel.kind == .messaging else {
            throw PlatformError.message(403, "Access to this API is not available for your account")
        }
        if let retryKey, UUID(uuidString: retryKey) == nil {
            throw PlatformError.message(400, "The value of the X-Line-Retry-Key header must be a UUID")
        }
        guard try await rateLimiter.allow(.push, channelID: channelID) else { throw RateLimiter.exceeded }
        let (to, messages) = try Self.validate(body)

        let now = clock.now
        let delivered = try await isReachable(to, channelID: channelID)
        let outgoing = OutgoingMessages(
            messages,
            channelID: channelID,
            to: to,
            retryKey: retryKey?.lowercased(),
            requestID: requestID,
            delivered: delivered,
            at: now
        )
        let (stored, sent) = (outgoing.stored, outgoing.sent)
        let acceptance = try await store.storePush(
            stored,
            channelID: channelID,
            retryKey: retryKey?.lowercased(),
            keysValidSince: now.addingTimeInterval(-Self.retryKeyLifetime),
            acceptance: AcceptedPush(requestID: requestID, sentMessages: sent)
        )
        switch acceptance {
        case .accepted: return .sent(PushResponse(sentMessages: sent))
        case .duplicate(let original): return .alreadyAccepted(original)
        }
    }

    /// LINE's answer to a push to a user it does not know, or to a group or room the channel's bot is not in:
    /// nothing is sent (push reference, error responses).
    static let failedToSend = PlatformError.message(400, "Failed to send messages")

    /// Whether the recipient receives the message. A known user who is not a friend (or has blocked the account)
    /// gets nothing, yet LINE answers 200, so that push is stored as not delivered. An unknown user, group or room,
    /// or a chat without the channel's bot, is LINE's 400 ``failedToSend``.
    private func isReachable(_ to: String, channelID: String) async throws -> Bool {
        if to.hasPrefix("U") {
            guard try await store.user(id: to) != nil else { throw Self.failedToSend }
            return try await store.isFriend(userID: to, channelID: channelID)
        }
        guard let chat = try await store.chat(id: to), chat.channelIDs.contains(channelID) else { throw Self.failedToSend }
        return true
    }

    /// Checks the request body and returns the recipient and the messages, or LINE's 400 with one detail per problem.
    static func validate(_ body: [String: JSONValue]) throws(PlatformError) -> (to: String, messages: [[String: JSONValue]]) {
        var details: [PlatformError.Detail] = []
        func problem(_ message: String, _ property: String) { details.append(.init(message: message, property: property)) }
        /// The first value of the wrong type: LINE stops at it, before checking anything else.
        var wrongType: String?
        func invalidType(_ property: String) { wrongType = wrongType ?? property }
        /// Absent or `null`: what LINE reports as "must be specified".
        func isMissing(_ value: JSONValue?) -> Bool { value == nil || value == .null }

        let to = body["to"]?.stringValue
        switch body["to"] {
        case nil, .null, .string(""): problem("must be specified", "to")
        case .string: break
        default: invalidType("to")
        }

        var messages: [[String: JSONValue]] = []
        switch body["messages"] {
        case nil, .null:
            problem("must be specified", "messages")
        case .array(let array):
            if !(1...5).contains(array.count) { problem("Size must be between 1 and 5", "messages") }
            for (index, element) in array.enumerated() {
                let path = "messages[\(index)]"
                guard let message = element.objectValue else {
                    invalidType(path)
                    continue
                }
                messages.append(message)
                guard let type = message["type"]?.stringValue else {
                    problem("must be specified", "\(path).type")
                    continue
                }
                guard let required = requiredFields[type] else {
                    problem("Must be one of the following values: \(typeList)", "\(path).type")
                    continue
                }
                for field in required where isMissing(message[field]) {
                    problem("must be specified", "\(path).\(field)")
                }
                if type == "text" || type == "textV2" {
                    if let text = message["text"]?.stringValue {
                        if text.isEmpty { problem("May not be empty", "\(path).text") }
                        if text.utf16.count > maximumTextLength {
                            problem("Length must be between 0 and \(maximumTextLength)", "\(path).text")
                        }
                    } else if message["text"] != nil {
                        invalidType("\(path).text")
                    }
                }
                if let items = message["quickReply"]?.objectValue?["items"]?.arrayValue, items.count > 13 {
                    problem("Size must be between 0 and 13", "\(path).quickReply.items")
                }
                if let name = message["sender"]?.objectValue?["name"]?.stringValue, name.count > 20 {
                    problem("Length must be between 0 and 20", "\(path).sender.name")
                }
            }
        default:
            invalidType("messages")
        }

        switch body["notificationDisabled"] {
        case nil, .null, .bool: break
        default: invalidType("notificationDisabled")
        }
        if let units = body["customAggregationUnits"] {
            if let names = units.arrayValue {
                if names.count > 1 { problem("Size must be between 0 and 1", "customAggregationUnits") }
                for (index, name) in names.enumerated() {
                    guard let name = name.stringValue, (1...30).contains(name.count),
                        name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                    else {
                        problem("Must be 1 to 30 characters of A-Z, a-z, 0-9 and _", "customAggregationUnits[\(index)]")
                        continue
                    }
                }
            } else {
                invalidType("customAggregationUnits")
            }
        }
        if let wrongType { throw .invalidProperty(wrongType) }
        guard details.isEmpty, let to else { throw .validation(details) }
        guard Self.isRecipientID(to) else { throw .invalidProperty("to") }
        return (to, messages)
    }

    /// User, group and room IDs: `U`, `C` or `R` followed by 32 lowercase hexadecimal digits.
    static func isRecipientID(_ id: String) -> Bool {
        guard let first = id.first, "UCR".contains(first), id.utf8.count == 33 else { return false }
        return id.utf8.dropFirst().allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
