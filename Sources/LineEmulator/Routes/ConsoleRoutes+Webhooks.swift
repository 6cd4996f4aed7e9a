import Foundation
import Hummingbird
import LineCore

/// The console's Webhooks page (linked accounts, webhook URLs, deliveries and redelivery) and the chat composer on
/// the Messages page, through which a user writes to an account.
extension ConsoleRoutes {
    typealias PageHandler = @Sendable (Request, EmulatorRequestContext, String) async throws -> Response
    typealias ActionHandler = @Sendable (Parameters, EmulatorRequestContext) async throws -> String

    /// Stickers the composer offers (LINE's free "Moon / James" and "Brown & Cony" packages).
    static let stickers: [(packageID: String, stickerID: String, label: String)] = [
        ("446", "1988", "Moon: thumbs up"), ("446", "1989", "Moon: OK"), ("446", "1990", "Moon: laughing"),
        ("11537", "52002734", "Brown & Cony: hello"), ("11537", "52002735", "Brown & Cony: love"),
        ("11537", "52002739", "Brown & Cony: thank you"),
    ]

    func registerWebhooks(page: (String, @escaping PageHandler) -> Void, action: (String, String?, @escaping ActionHandler) -> Void) {
        page("/webhooks") { _, _, token in try await webhooksPage(token) }
        action("/webhooks/{channelId}", "Invalid webhook") { form, context in
            let channelID = context.parameters.get("channelId") ?? ""
            _ = try await admin.updateWebhook(channelID: channelID, url: form["url"] ?? "", isActive: form["active"] == "on")
            return Self.prefix + "/webhooks"
        }
        action("/links/{channelId}", "Invalid link") { form, context in
            let channelID = context.parameters.get("channelId") ?? ""
            let botID = form.nonEmpty("linkedChannelId")
            try await admin.link(loginChannelID: channelID, to: botID)
            return Self.prefix + "/webhooks"
        }
        action("/webhook-deliveries/{deliveryId}/redeliver", nil) { _, context in
            _ = try await admin.redeliver(deliveryID: context.parameters.get("deliveryId") ?? "")
            return Self.prefix + "/webhooks"
        }
        action("/messages/act", "Invalid message") { form, _ in
            let userID = form["userId"] ?? ""
            let channelID = form["channelId"] ?? ""
            let userAction: UserAction
            switch form["kind"] {
            case "sticker":
                let parts = (form["sticker"] ?? "").split(separator: "/").map(String.init)
                userAction = .sticker(packageID: parts.first ?? "", stickerID: parts.count > 1 ? parts[1] : "")
            case "postback":
                userAction = .postback(data: form["data"] ?? "", params: [:])
            default:
                userAction = .text(form["text"] ?? "")
            }
            _ = try await admin.act(userAction, userID: userID, channelID: channelID)
            return Self.prefix + "/messages?to=" + (userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
    }

    /// The composer of the Messages page: one per account the user is a friend of.
    func composers(for recipient: String) async throws -> [[String: Any]] {
        guard recipient.hasPrefix("U"), (try? await admin.user(id: recipient)) != nil else { return [] }
        let friends = Set(try await admin.friendChannels(userID: recipient))
        let stickers = Self.stickers.map { ["value": "\($0.packageID)/\($0.stickerID)", "label": $0.label] }
        return try await admin.channels().filter { $0.kind == .messaging && friends.contains($0.channelID) }.map {
            ["channelID": $0.channelID, "name": $0.name, "userID": recipient, "stickers": stickers]
        }
    }

    private func webhooksPage(_ formToken: String) async throws -> Response {
        let channels = try await admin.channels()
        let names = Dictionary(channels.map { ($0.channelID, $0.name) }) { first, _ in first }
        let links = Dictionary(try await admin.channelLinks().map { ($0.loginChannelID, $0.botChannelID) }) { first, _ in first }
        let bots = channels.filter { $0.kind == .messaging }
        var endpoints: [[String: Any]] = []
        for bot in bots {
            let endpoint = try await admin.webhookEndpoint(channelID: bot.channelID)
            endpoints.append(["channelID": bot.channelID, "name": bot.name, "url": endpoint.url, "active": endpoint.isActive])
        }
        let logins = channels.filter { $0.kind == .login }.map { channel -> [String: Any] in
            [
                "channelID": channel.channelID, "name": channel.name,
                "bots": bots.map { ["channelID": $0.channelID, "name": $0.name, "selected": links[channel.channelID] == $0.channelID] },
            ]
        }
        let deliveries = try await admin.deliveries(channelID: nil, limit: 100).map { delivery -> [String: Any] in
            let events = JSONValue(parsing: delivery.body)?.objectValue?["events"]?.arrayValue ?? []
            return [
                "id": delivery.id, "channelName": names[delivery.channelID] ?? delivery.channelID, "url": delivery.url,
                "createdAt": delivery.createdAt.formatted(.iso8601), "state": delivery.state.rawValue,
                "stateClass": delivery.state == .failed ? "bad" : "ok",
                "events": events.compactMap { $0.objectValue?["type"]?.stringValue }.joined(separator: ", "),
                "isRedelivery": delivery.isRedelivery, "statusCode": delivery.statusCode.map(String.init) ?? "—",
                "latency": delivery.latencyMilliseconds.map { "\($0) ms" } ?? "—",
                "excerpt": delivery.error ?? delivery.responseExcerpt ?? "",
                "body": String(decoding: delivery.body, as: UTF8.self),
            ]
        }
        return render(
            .consoleWebhooks,
            title: "Webhooks",
            section: "/webhooks",
            formToken: formToken,
            ["endpoints": endpoints, "logins": logins, "deliveries": deliveries]
        )
    }
}
