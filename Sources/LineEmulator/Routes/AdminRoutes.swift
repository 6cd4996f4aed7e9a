import Foundation
import Hummingbird
import NIOCore

/// The emulator's own JSON API under `/_emulator/v1/`: channels, users, groups and rooms, consents, reset, clock and
/// health.
///
/// It answers only loopback clients unless the configuration allows remote administration, and changes state only
/// for requests a web page cannot send on its own (see `AdminAccess`).
struct AdminRoutes {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let seed: Seed
    let channelTokens: ChannelTokenService
    let rateLimiter: RateLimiter
    let requestLog: RequestLog
    let faults: FaultInjector
    let access: AdminAccess

    static let prefix = "/_emulator/v1"

    func register(on routes: inout RouteTable) {
        func on(_ path: String, _ method: HTTPRequest.Method, _ handler: @escaping RouteTable.Handler) {
            routes.on(Self.prefix + path, method) { request, context in
                try access.check(request, context, from: .api)
                return try await handler(request, context)
            }
        }
        on("/health", .get) { _, _ in .json(["status": "ok"]) }

        on("/channels", .get) { _, _ in
            .json(ChannelList(channels: try await store.channels().map(ChannelDocument.init)))
        }
        on("/channels", .post) { request, context in
            var request = request
            let document: ChannelDocument = try await request.adminJSON(context: context)
            let channel: Channel
            do { channel = try document.channel() } catch { throw PlatformError.message(400, String(describing: error)) }
            guard try await store.insertChannel(channel) else {
                throw PlatformError.message(409, "channel \(channel.channelID) already exists")
            }
            return .json(ChannelDocument(channel), status: .created)
        }
        on("/channels/{channelId}/tokens", .post) { request, context in
            var request = request
            let body: MintTokenBody = try await request.adminJSON(context: context, allowEmpty: true)
            let channelID = context.parameters.get("channelId") ?? ""
            let kind = body.kind ?? .stateless
            let token = try await channelTokens.mint(channelID: channelID, kind: kind, lifetime: body.expiresIn)
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
            let channelID = context.parameters.get("channelId") ?? ""
            let buffer = try await request.collectLimitedBody(context: context)
            guard let jwk = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
                throw PlatformError.message(400, "The request body must be a public JWK (a JSON object)")
            }
            let keyID = try await channelTokens.registerKey(channelID: channelID, jwk: jwk)
            return .json(["kid": keyID], status: .created)
        }
        on("/channels/{channelId}/keys", .get) { _, context in
            let channelID = context.parameters.get("channelId") ?? ""
            guard try await store.channel(id: channelID) != nil else { throw PlatformError.message(404, "channel \(channelID) not found") }
            let keys = try await store.channelKeys(channelID: channelID).map {
                KeyDocument(kid: $0.keyID, createdAt: ISO8601DateFormatter().string(from: $0.createdAt))
            }
            return .json(["keys": keys])
        }

        on("/messages", .get) { request, _ in
            let query = try request.queryParameters(orThrow: .message(400, "The query string is not correctly percent-encoded"))
            let limit = query["limit"].flatMap(Int.init) ?? 100
            guard (1...1000).contains(limit) else { throw PlatformError.message(400, "limit must be between 1 and 1000") }
            let messages = try await store.messages(to: query.nonEmpty("to"), channelID: query.nonEmpty("channelId"), limit: limit)
            return .jsonData(try MessageDocument.list(messages))
        }

        for kind in GroupChat.Kind.allCases {
            on("/\(kind.rawValue)s", .get) { _, _ in
                .json([kind.rawValue + "s": try await store.chats(kind: kind).map(GroupChatDocument.init)])
            }
            on("/\(kind.rawValue)s", .post) { request, context in
                var request = request
                let document: GroupChatDocument = try await request.adminJSON(context: context)
                do {
                    let chat = try await GroupChatDirectory(store: store).create(document.chat(kind: kind))
                    return .json(GroupChatDocument(chat), status: .created)
                } catch let invalid as GroupChatDirectory.Invalid {
                    throw PlatformError.message(invalid.status, invalid.description)
                }
            }
        }

        on("/faults", .get) { _, _ in .json(["faults": faults.all]) }
        on("/faults", .post) { request, context in
            var request = request
            let rule: FaultInjector.Rule = try await request.adminJSON(context: context)
            return .json(try await faults.add(rule), status: .created)
        }
        on("/faults", .delete) { _, _ in
            try await faults.removeAll()
            return .empty(.noContent)
        }
        on("/faults/{faultId}", .delete) { _, context in
            guard try await faults.remove(id: context.parameters.get("faultId") ?? "") else {
                throw PlatformError.message(404, "no such fault rule")
            }
            return .empty(.noContent)
        }
        on("/requests", .get) { request, _ in
            let query = try request.queryParameters(orThrow: .message(400, "The query string is not correctly percent-encoded"))
            let limit = query["limit"].flatMap(Int.init) ?? 200
            guard (1...requestLog.capacity).contains(limit) else {
                throw PlatformError.message(400, "limit must be between 1 and \(requestLog.capacity)")
            }
            let entries = try await requestLog.entries(
                method: query.nonEmpty("method"),
                path: query.nonEmpty("path"),
                status: query["status"].flatMap(Int.init),
                limit: limit
            )
            return .json(["requests": entries])
        }

        on("/rate-limits", .get) { _, _ in .json(RateLimitDocument(rateLimiter)) }
        on("/rate-limits", .put) { request, context in
            var request = request
            let body: [String: Double?] = try await request.adminJSON(context: context)
            for (name, rate) in body {
                guard let endpoint = RateLimiter.Endpoint(rawValue: name) else {
                    let known = RateLimiter.Endpoint.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PlatformError.message(400, "unknown endpoint \(name); known: \(known)")
                }
                guard rate.map(RateLimiter.isAcceptable) ?? true else {
                    throw PlatformError.message(400, "\(name) must be between 0.01 and 1000000 requests per second, or null for no limit")
                }
                try await rateLimiter.setRate(rate, for: endpoint)
            }
            return .json(RateLimitDocument(rateLimiter))
        }

        on("/users", .get) { _, _ in
            .json(UserList(users: try await store.users().map(UserResource.init)))
        }
        on("/users", .post) { request, context in
            var request = request
            let document: UserResource = try await request.adminJSON(context: context)
            let user: User
            do { user = try document.user() } catch { throw PlatformError.message(400, String(describing: error)) }
            guard try await store.insertUser(user) else { throw PlatformError.message(409, "user \(user.userID) already exists") }
            return .json(UserResource(user), status: .created)
        }
        on("/users/{userId}/consents", .get) { _, context in
            let userID = context.parameters.get("userId") ?? ""
            guard try await store.user(id: userID) != nil else { throw PlatformError.message(404, "user \(userID) not found") }
            let channels = Dictionary(try await store.channels().map { ($0.channelID, $0) }, uniquingKeysWith: { first, _ in first })
            let consents = try await store.consents(userID: userID).map { consent in
                ConsentDocument(
                    channelId: consent.channelID,
                    channelName: channels[consent.channelID]?.name ?? consent.channelID,
                    scopes: consent.scopes.names,
                    grantedAt: ISO8601DateFormatter().string(from: consent.grantedAt)
                )
            }
            return .json(ConsentList(consents: consents))
        }

        on("/reset", .post) { _, _ in
            try await store.reset(to: seed)
            clock.resetOffset()
            try await faults.removeAll()
            try await requestLog.clear()
            return .json(ClockDocument(clock))
        }
        on("/clock", .get) { _, _ in .json(ClockDocument(clock)) }
        on("/clock/advance", .post) { request, context in
            var request = request
            let body: AdvanceBody = try await request.adminJSON(context: context)
            do throws(EmulatorClock.AdvanceRefusal) {
                try clock.checkedAdvance(by: body.seconds ?? 0)
            } catch {
                throw PlatformError.message(400, error.description)
            }
            return .json(ClockDocument(clock))
        }
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

    init(_ limiter: RateLimiter) { rates = limiter.rates }

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

    init(_ clock: EmulatorClock) {
        let now = clock.now
        self.now = ISO8601DateFormatter().string(from: now)
        unixTime = Int(now.timeIntervalSince1970)
        offsetSeconds = clock.offsetSeconds
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
