import Foundation

/// The body LINE POSTs to a webhook URL: the bot that receives the events, and the events.
public struct WebhookPayload: Sendable, Decodable, Equatable {
    /// User ID of the bot that should receive the events (`U` and 32 hex digits).
    public var destination: String
    /// The events, oldest first. LINE sends an empty array to check that the URL answers.
    public var events: [WebhookEvent]

    /// A payload built in code (to test your own handlers); LINE's come from ``WebhookParser``.
    public init(destination: String, events: [WebhookEvent]) {
        self.destination = destination
        self.events = events
    }
}

/// Whether the channel is active (may reply) or on standby (another channel has control of the chat).
public struct WebhookEventMode: RawRepresentable, Sendable, Hashable, Decodable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The channel may answer the event.
    public static let active = WebhookEventMode(rawValue: "active")
    /// The channel is waiting: another module channel has control of the chat.
    public static let standby = WebhookEventMode(rawValue: "standby")

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
}
