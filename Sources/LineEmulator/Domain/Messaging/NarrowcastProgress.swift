import Foundation
import LineCore

/// `GET /v2/bot/message/progress/narrowcast`'s body (OpenAPI `NarrowcastProgressResponse`). The emulator sends a
/// narrowcast before it answers 202, so every narrowcast it knows has `succeeded`.
struct NarrowcastProgress: Encodable, Sendable, Equatable {
    var phase: String
    var successCount: Int
    var failureCount: Int
    var targetCount: Int
    /// ISO 8601 in UTC with milliseconds, as LINE writes it (`2020-12-03T10:15:30.121Z`).
    var acceptedTime: String
    var completedTime: String
}

extension AudienceSendService {
    /// The progress of the channel's narrowcast `requestID`, read from the copies it stored.
    /// - Throws: LINE's 400 for a missing request ID, 404 `Not found` for a request of another channel, one that was
    ///   not a narrowcast the emulator stored, or one that reached nobody (docs/FIDELITY.md).
    func narrowcastProgress(channelID: String, requestID: String?) async throws -> NarrowcastProgress {
        guard let requestID, !requestID.isEmpty else {
            throw PlatformError.message(400, "The request parameter, 'requestId', is required")
        }
        let copies = try await store.messages(to: nil, channelID: channelID, limit: Int(Int32.max))
            .filter { $0.requestID == requestID }
        guard let first = copies.first else { throw PlatformError.notFound }
        let targets = Set(copies.map(\.to)).count
        let time = Self.timestamp(first.sentAt)
        return NarrowcastProgress(
            phase: "succeeded",
            successCount: targets,
            failureCount: 0,
            targetCount: targets,
            acceptedTime: time,
            completedTime: time
        )
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}
