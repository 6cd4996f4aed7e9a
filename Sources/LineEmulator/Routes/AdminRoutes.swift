import Foundation
import Hummingbird
import NIOCore

/// The emulator's own JSON API under `/_emulator/v1/`: channels, users, groups and rooms, consents, reset, clock and
/// health.
///
/// It answers only loopback clients unless the configuration allows remote administration, and changes state only
/// for requests a web page cannot send on its own (see `AdminAccess`).
///
/// Every action goes through ``AdminService``, the same methods the console calls; these routes only decode JSON,
/// encode answers and turn the service's refusals into `{"message": …}` with their status.
struct AdminRoutes {
    let admin: AdminService
    let access: AdminAccess

    static let prefix = "/_emulator/v1"

    func register(on routes: inout RouteTable) {
        func on(_ path: String, _ method: HTTPRequest.Method, _ handler: @escaping RouteTable.Handler) {
            routes.on(Self.prefix + path, method) { request, context in
                try access.check(request, context, from: .api)
                do {
                    return try await handler(request, context)
                } catch let refusal as AdminError {
                    throw refusal.apiError
                }
            }
        }
        on("/health", .get) { _, _ in .json(["status": "ok"]) }
        registerWebhooks(on)

        on("/channels", .get) { _, _ in
            .json(ChannelList(channels: try await admin.channelDocuments()))
        }
        on("/channels", .post) { request, context in
            var request = request
            let document: ChannelDocument = try await request.adminJSON(context: context)
            return .json(try await admin.createChannel(document), status: .created)
        }
        on("/channels/{channelId}/tokens", .post) { request, context in
            var request = request
            let body: MintTokenBody = try await request.adminJSON(context: context, allowEmpty: true)
            let kind = body.kind ?? .stateless
            let token = try await admin.mintChannelToken(
                channelID: context.parameters.get("channelId") ?? "",
                kind: kind,
                lifetime: body.expiresIn
            )
            return .json(
                MintedToken(
                    access_token: token.access_token,
                    expires_in: token.expires_in,
                    token_type: token.token_type,
                    key_id: token.key_id,
                    kind: kind.rawValue
                ),
                status: .created
            )
        }
        on("/channels/{channelId}/keys", .post) { request, context in
            var request = request
            let buffer = try await request.collectLimitedBody(context: context)
            guard let jwk = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
                throw PlatformError.message(400, "The request body must be a public JWK (a JSON object)")
            }
            let keyID = try await admin.registerChannelKey(channelID: context.parameters.get("channelId") ?? "", jwk: jwk)
            return .json(["kid": keyID], status: .created)
        }
        on("/channels/{channelId}/keys", .get) { _, context in
            let keys = try await admin.channelKeys(channelID: context.parameters.get("channelId") ?? "").map {
                KeyDocument(kid: $0.keyID, createdAt: ISO8601DateFormatter().string(from: $0.createdAt))
            }
            return .json(["keys": keys])
        }

        on("/messages", .get) { request, _ in
            let query = try request.queryParameters(orThrow: .message(400, "The query string is not correctly percent-encoded"))
            let limit = try Self.integer(query.nonEmpty("limit"), name: "limit") ?? 100
            let messages = try await admin.messages(to: query.nonEmpty("to"), channelID: query.nonEmpty("channelId"), limit: limit)
            return .jsonData(try MessageDocument.list(messages))
        }

        for kind in GroupChat.Kind.allCases {
            on("/\(kind.rawValue)s", .get) { _, _ in
                .json([kind.rawValue + "s": try await admin.chats(kind: kind).map(GroupChatDocument.init)])
            }
            on("/\(kind.rawValue)s", .post) { request, context in
                var request = request
                let document: GroupChatDocument = try await request.adminJSON(context: context)
                return .json(GroupChatDocument(try await admin.createChat(document.chat(kind: kind))), status: .created)
            }
        }

        on("/faults", .get) { _, _ in .json(["faults": try await admin.faultRules()]) }
        on("/faults", .post) { request, context in
            var request = request
            let rule: FaultInjector.Rule = try await request.adminJSON(context: context)
            return .json(try await admin.addFault(rule), status: .created)
        }
        on("/faults", .delete) { _, _ in
            try await admin.removeAllFaults()
            return .empty(.noContent)
        }
        on("/faults/{faultId}", .delete) { _, context in
            try await admin.removeFault(id: context.parameters.get("faultId") ?? "")
            return .empty(.noContent)
        }
        on("/requests", .get) { request, _ in
            let query = try request.queryParameters(orThrow: .message(400, "The query string is not correctly percent-encoded"))
            let entries = try await admin.requests(
                method: query.nonEmpty("method"),
                path: query.nonEmpty("path"),
                status: query["status"].flatMap(Int.init),
                limit: try Self.integer(query.nonEmpty("limit"), name: "limit") ?? 200
            )
            return .json(["requests": entries])
        }

        on("/rate-limits", .get) { _, _ in .json(RateLimitDocument(try await admin.rateLimits())) }
        on("/rate-limits", .put) { request, context in
            var request = request
            let body: [String: Double?] = try await request.adminJSON(context: context)
            return .json(RateLimitDocument(try await admin.setRateLimits(body)))
        }

        on("/users", .get) { _, _ in
            .json(UserList(users: try await admin.users().map(UserResource.init)))
        }
        on("/users", .post) { request, context in
            var request = request
            let document: UserResource = try await request.adminJSON(context: context)
            return .json(UserResource(try await admin.createUser(document)), status: .created)
        }
        on("/users/{userId}/consents", .get) { _, context in
            let consents = try await admin.consents(userID: context.parameters.get("userId") ?? "").map { listing in
                ConsentDocument(
                    channelId: listing.consent.channelID,
                    channelName: listing.channelName,
                    scopes: listing.consent.scopes.names,
                    grantedAt: ISO8601DateFormatter().string(from: listing.consent.grantedAt)
                )
            }
            return .json(ConsentList(consents: consents))
        }

        on("/reset", .post) { _, _ in .json(ClockDocument(try await admin.reset())) }
        on("/clock", .get) { _, _ in .json(ClockDocument(try await admin.clockReading())) }
        on("/clock/advance", .post) { request, context in
            var request = request
            let body: AdvanceBody = try await request.adminJSON(context: context)
            return .json(ClockDocument(try await admin.advanceClock(by: body.seconds ?? 0)))
        }
    }

    /// An optional integer query parameter; text that is not one is refused rather than read as the default.
    static func integer(_ text: String?, name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw PlatformError.message(400, "\(name) must be an integer") }
        return value
    }
}

private struct ChannelList: Encodable { var channels: [ChannelDocument] }
private struct UserList: Encodable { var users: [UserResource] }
private struct ConsentList: Encodable { var consents: [ConsentDocument] }

private struct ConsentDocument: Encodable {
    var channelId: String
    var channelName: String
    var scopes: [String]
    var grantedAt: String
}

private struct KeyDocument: Encodable {
    var kid: String
    var createdAt: String
}

/// A stored message as the admin API lists it: the message object as it was sent, and where it went.
private enum MessageDocument {
    static func list(_ messages: [StoredMessage]) throws -> Data {
        let formatter = ISO8601DateFormatter()
        let list: [[String: Any]] = messages.map { message in
            var object: [String: Any] = [
                "id": message.id, "channelId": message.channelID, "to": message.to, "type": message.type,
                "message": (try? JSONSerialization.jsonObject(with: message.json)) ?? [:], "requestId": message.requestID,
                "delivered": message.delivered, "sentAt": formatter.string(from: message.sentAt),
            ]
            if let quoteToken = message.quoteToken { object["quoteToken"] = quoteToken }
            if let retryKey = message.retryKey { object["retryKey"] = retryKey }
            return object
        }
        return try JSONSerialization.data(withJSONObject: ["messages": list], options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

/// Every rate-limited endpoint with its rate; unlimited ones are left out.
private struct RateLimitDocument: Encodable {
    let rates: [RateLimiter.Endpoint: Double]

    init(_ rates: [RateLimiter.Endpoint: Double]) { self.rates = rates }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for endpoint in RateLimiter.Endpoint.allCases {
            try container.encodeIfPresent(rates[endpoint], forKey: Key(stringValue: endpoint.rawValue))
        }
    }
}

private struct MintTokenBody: Decodable {
    var kind: ChannelAccessToken.Kind?
    var expiresIn: Int?
}

private struct MintedToken: Encodable {
    var access_token: String
    var expires_in: Int
    var token_type: String
    var key_id: String?
    var kind: String
}

private struct AdvanceBody: Decodable {
    var seconds: Double?
}

private struct ClockDocument: Encodable {
    var now: String
    var unixTime: Int
    var offsetSeconds: Double

    init(_ reading: AdminService.ClockReading) {
        now = ISO8601DateFormatter().string(from: reading.now)
        unixTime = Int(reading.now.timeIntervalSince1970)
        offsetSeconds = reading.offsetSeconds
    }
}

extension Request {
    /// A JSON body of the admin API; errors are `{"message": …}` with 400 or 415.
    mutating func adminJSON<Body: Decodable>(context: EmulatorRequestContext, allowEmpty: Bool = false) async throws -> Body {
        let buffer = try await collectLimitedBody(context: context)
        if allowEmpty && buffer.readableBytes == 0 { return try JSONDecoder().decode(Body.self, from: Data("{}".utf8)) }
        guard mediaType == "application/json" else { throw PlatformError.message(415, "Content-Type must be application/json") }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw PlatformError.message(400, "The request body is not valid: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath))"
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): "wrong type at \(path(context.codingPath))"
        @unknown default: "not valid"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map(\.stringValue).joined(separator: ".")
    }
}
