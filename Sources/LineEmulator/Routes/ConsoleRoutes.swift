import Foundation
import HTTPTypes
import Hummingbird
import LineCore

/// The emulator's console at `/_emulator/console`: server-rendered pages that work without JavaScript, for seeing
/// and changing channels, users, consents, tokens, messages, the request log, faults, rate limits and the clock.
struct ConsoleRoutes {
    let store: any EmulatorStore
    let clock: EmulatorClock
    let keys: SigningKeys
    let pages: PageRenderer
    let requestLog: RequestLog
    let faults: FaultInjector
    let rateLimiter: RateLimiter
    let access: AdminAccess

    static let prefix = "/_emulator/console"

    private static let sections: [(path: String, label: String)] = [
        ("", "Channels"), ("/users", "Users"), ("/groups", "Groups"), ("/tokens", "Tokens"), ("/messages", "Messages"),
        ("/requests", "Requests"),
        ("/faults", "Faults"), ("/clock", "Clock"),
    ]

    func register(on routes: inout RouteTable) {
        let forms = ConsoleFormGuard(keys: keys)
        /// A page: handlers get a fresh form token for the browser's session, whose cookie is set when it is new.
        func page(_ path: String, _ handler: @escaping @Sendable (Request, EmulatorRequestContext, String) async throws -> Response) {
            routes.on(Self.prefix + path, .get) { request, context in
                try access.check(request, context, from: .console)
                let session = forms.session(of: request)
                var response = try await handler(request, context, forms.token(for: session.id))
                if session.isNew { response.setCookie(forms.cookie(for: session.id)) }
                return response
            }
        }
        func action(_ path: String, _ handler: @escaping @Sendable (Parameters, EmulatorRequestContext) async throws -> String) {
            routes.on(Self.prefix + path, .post) { request, context in
                try access.check(request, context, from: .console)
                var request = request
                let invalid = PlatformError.page(400, "Invalid form", "The console form could not be read.")
                let form = try await request.form(context: context, wrongType: invalid, malformed: invalid)
                guard forms.accepts(form["token"], from: request) else {
                    throw PlatformError.page(
                        403,
                        "Request rejected",
                        "The form did not come from this browser's console session, or is over an hour old (CSRF check failed). Reload the page and try again."
                    )
                }
                let location = try await handler(form, context)
                return Response(status: .seeOther, headers: [.location: location, .contentLength: "0"])
            }
        }

        page("") { _, _, token in try await channelsPage(token) }
        page("/users") { _, _, token in try await usersPage(token) }
        page("/users/{userId}") { _, context, token in try await userPage(context.parameters.get("userId") ?? "", token) }
        page("/groups") { _, _, token in try await groupsPage(token) }
        page("/tokens") { _, _, token in try await tokensPage(token) }
        page("/messages") { request, _, token in try await messagesPage(to: Self.query(request).nonEmpty("to"), token) }
        page("/requests") { request, _, token in try await requestsPage(try Self.query(request), token) }
        page("/faults") { _, _, token in faultsPage(token) }
        page("/clock") { _, _, token in clockPage(token) }

        action("/users") { form, _ in
            let user = try Self.user(from: form, id: nil)
            guard try await store.insertUser(user) else { throw PlatformError.page(409, "User exists", "That user ID is taken.") }
            return Self.prefix + "/users"
        }
        action("/users/{userId}") { form, context in
            let userID = context.parameters.get("userId") ?? ""
            guard try await store.user(id: userID) != nil else {
                throw PlatformError.page(404, "No such user", "User \(userID) does not exist.")
            }
            try await _ = store.updateUser(try Self.user(from: form, id: userID))
            let friends = Set(form.all("friend"))
            for channel in try await store.channels() where channel.botLinked {
                try await store.setFriend(userID: userID, channelID: channel.channelID, isFriend: friends.contains(channel.channelID))
            }
            return Self.prefix + "/users/" + userID
        }
        action("/users/{userId}/deauthorize") { form, context in
            let userID = context.parameters.get("userId") ?? ""
            _ = try await store.deauthorize(userID: userID, channelID: form["channelId"] ?? "", at: clock.now)
            return Self.prefix + "/users/" + userID
        }
        action("/groups") { form, _ in
            try await createChat(from: form)
            return Self.prefix + "/groups"
        }
        action("/tokens/revoke") { form, _ in
            let accessToken = form["accessToken"] ?? ""
            if form["kind"] == "channel" {
                try await store.revokeChannelToken(accessToken, at: clock.now)
            } else if let token = try await store.userToken(accessToken: accessToken) {
                try await store.revokeGrant(refreshToken: token.refreshToken, at: clock.now)
            }
            return Self.prefix + "/tokens"
        }
        action("/faults") { form, _ in
            try await faults.add(try Self.rule(from: form))
            return Self.prefix + "/faults"
        }
        action("/faults/{faultId}/delete") { _, context in
            try await faults.remove(id: context.parameters.get("faultId") ?? "")
            return Self.prefix + "/faults"
        }
        action("/rate-limits") { form, _ in
            for endpoint in RateLimiter.Endpoint.allCases {
                let text = (form[endpoint.rawValue] ?? "").trimmingCharacters(in: .whitespaces)
                if text.isEmpty {
                    try await rateLimiter.setRate(nil, for: endpoint)
                } else {
                    guard let rate = Double(text), RateLimiter.isAcceptable(rate) else {
                        throw PlatformError.page(400, "Invalid rate", "Rates are numbers of requests per second from 0.01 to 1000000.")
                    }
                    try await rateLimiter.setRate(rate, for: endpoint)
                }
            }
            return Self.prefix + "/faults"
        }
        action("/clock/advance") { form, _ in
            guard let seconds = Self.duration(form["duration"] ?? "") else {
                throw PlatformError.page(400, "Invalid duration", "Write a duration such as 90s, 10m, 1h or 30d.")
            }
            do throws(EmulatorClock.AdvanceRefusal) {
                try clock.checkedAdvance(by: seconds)
            } catch {
                throw PlatformError.page(400, "Invalid duration", "The clock did not move: \(error.description).")
            }
            return Self.prefix + "/clock"
        }
    }

    func render(
        _ template: PageRenderer.Template,
        title: String,
        section: String,
        formToken: String,
        _ object: [String: Any]
    ) -> Response {
        var object = object
        object["title"] = title
        object["formToken"] = formToken
        object["nav"] = Self.sections.map { ["href": Self.prefix + $0.path, "label": $0.label, "current": $0.path == section] }
        return .html(pages.render(template, object))
    }

    private static let timeFormat: Date.ISO8601FormatStyle = .iso8601

    private static func time(_ date: Date) -> String { date.formatted(timeFormat) }

    // MARK: Pages

    private func channelsPage(_ formToken: String) async throws -> Response {
        var channels: [[String: Any]] = []
        for channel in try await store.channels() {
            channels.append([
                "name": channel.name, "channelID": channel.channelID, "secret": channel.channelSecret,
                "kind": channel.kind == .login ? "LINE Login" : "Messaging API",
                "appType": channel.kind == .login ? channel.appType.rawValue : "", "botLinked": channel.botLinked,
                "callbackURLs": channel.callbackURLs, "keys": try await store.channelKeys(channelID: channel.channelID).map(\.keyID),
            ])
        }
        return render(.consoleChannels, title: "Channels", section: "", formToken: formToken, ["channels": channels])
    }

    private func usersPage(_ formToken: String) async throws -> Response {
        var users: [[String: Any]] = []
        for user in try await store.users() {
            users.append([
                "userID": user.userID, "displayName": user.displayName, "email": user.email ?? "",
                "statusMessage": user.statusMessage ?? "", "friendOf": try await store.friendChannels(userID: user.userID),
            ])
        }
        return render(.consoleUsers, title: "Users", section: "/users", formToken: formToken, ["users": users])
    }

    private func userPage(_ userID: String, _ formToken: String) async throws -> Response {
        guard let user = try await store.user(id: userID) else {
            throw PlatformError.page(404, "No such user", "User \(userID) does not exist.")
        }
        let channels = try await store.channels()
        let names = Dictionary(channels.map { ($0.channelID, $0.name) }, uniquingKeysWith: { first, _ in first })
        let friends = Set(try await store.friendChannels(userID: userID))
        let consents = try await store.consents(userID: userID).map { consent -> [String: Any] in
            [
                "channelID": consent.channelID, "channelName": names[consent.channelID] ?? consent.channelID,
                "scopes": consent.scopes.names,
                "grantedAt": Self.time(consent.grantedAt), "userID": userID,
            ]
        }
        return render(
            .consoleUser,
            title: user.displayName,
            section: "/users",
            formToken: formToken,
            [
                "userID": user.userID, "displayName": user.displayName, "email": user.email ?? "", "pictureURL": user.pictureURL ?? "",
                "statusMessage": user.statusMessage ?? "", "consents": consents,
                "botChannels": channels.filter(\.botLinked).map {
                    ["channelID": $0.channelID, "name": $0.name, "isFriend": friends.contains($0.channelID)] as [String: Any]
                },
            ]
        )
    }

    private func tokensPage(_ formToken: String) async throws -> Response {
        let now = clock.now
        func state(revoked: Date?, expires: Date) -> [String: Any] {
            if revoked != nil { return ["state": "revoked", "stateClass": "bad", "live": false] }
            if expires <= now { return ["state": "expired", "stateClass": "bad", "live": false] }
            return ["state": "valid", "stateClass": "ok", "live": true]
        }
        let userTokens = try await store.recentUserTokens(limit: 100).map { token -> [String: Any] in
            [
                "accessToken": token.accessToken, "short": Self.shorten(token.accessToken), "version": token.version.rawValue,
                "channelID": token.channelID, "userID": token.userID, "scopes": token.scopes.storageValue,
                "expiresAt": Self.time(token.expiresAt),
            ].merging(state(revoked: token.revokedAt, expires: token.expiresAt)) { first, _ in first }
        }
        let channelTokens = try await store.recentChannelTokens(limit: 100).map { token -> [String: Any] in
            [
                "accessToken": token.accessToken, "short": Self.shorten(token.accessToken), "kind": token.kind.rawValue,
                "channelID": token.channelID, "keyID": token.keyID ?? "", "expiresAt": Self.time(token.expiresAt),
            ].merging(state(revoked: token.revokedAt, expires: token.expiresAt)) { first, _ in first }
        }
        return render(
            .consoleTokens,
            title: "Tokens",
            section: "/tokens",
            formToken: formToken,
            ["userTokens": userTokens, "channelTokens": channelTokens]
        )
    }

    private func messagesPage(to requested: String?, _ formToken: String) async throws -> Response {
        var recipients = try await store.users().map { (id: $0.userID, name: $0.displayName) }
        for kind in GroupChat.Kind.allCases {
            recipients += try await store.chats(kind: kind).map { (id: $0.chatID, name: $0.name ?? "Room \($0.chatID.prefix(9))") }
        }
        let recipient = requested ?? recipients.first?.id ?? ""
        let messages = try await store.messages(to: recipient, channelID: nil, limit: 200).reversed().map { message -> [String: Any] in
            [
                "body": Self.summary(of: message), "sentAt": Self.time(message.sentAt), "channelID": message.channelID,
                "type": message.type,
                "retryKey": message.retryKey ?? "", "delivered": message.delivered,
            ]
        }
        return render(
            .consoleMessages,
            title: "Messages",
            section: "/messages",
            formToken: formToken,
            [
                "recipients": recipients.map {
                    ["userID": $0.id, "displayName": $0.name, "selected": $0.id == recipient] as [String: Any]
                },
                "recipientName": recipients.first { $0.id == recipient }?.name ?? recipient, "messages": messages,
            ]
        )
    }

    private static func query(_ request: Request) throws -> Parameters {
        try request.queryParameters(orThrow: .page(400, "Invalid query", "The query string is not correctly percent-encoded."))
    }

    private func requestsPage(_ query: Parameters, _ formToken: String) async throws -> Response {
        let method = query.nonEmpty("method")
        let path = query.nonEmpty("path")
        let status = query.nonEmpty("status").flatMap(Int.init)
        let entries = try await requestLog.entries(method: method, path: path, status: status).map(Self.row)
        let object: [String: Any] = [
            "entries": entries, "method": method ?? "", "path": path ?? "", "status": status.map(String.init) ?? "",
            "capacity": requestLog.capacity,
        ]
        return render(.consoleRequests, title: "Requests", section: "/requests", formToken: formToken, object)
    }

    private static func row(_ entry: RequestLog.Entry) -> [String: Any] {
        var row: [String: Any] = ["time": time(entry.time), "method": entry.method, "path": entry.path, "status": entry.status]
        row["statusClass"] = entry.status < 400 ? "ok" : "bad"
        row["requestID"] = entry.requestID
        row["milliseconds"] = String(format: "%.1f", entry.durationMilliseconds)
        return row
    }

    private func faultsPage(_ formToken: String) -> Response {
        let rules = faults.all.map { rule -> [String: Any] in
            let action: String =
                switch rule.action {
                case .status: "answer \(rule.status ?? 500)"
                case .latency: "add \(rule.latencyMs ?? 0) ms"
                case .drop: "drop the connection"
                }
            return [
                "id": rule.id, "method": rule.method ?? "any", "path": rule.path, "channelId": rule.channelId ?? "any", "action": action,
                "probability": rule.probability.map { String($0) } ?? "1", "count": rule.count.map(String.init) ?? "∞",
            ]
        }
        let rates = rateLimiter.rates
        let limits = RateLimiter.Endpoint.allCases.map { endpoint -> [String: Any] in
            [
                "name": endpoint.rawValue, "label": endpoint.label,
                "rate": rates[endpoint].map { String(format: "%g", $0) } ?? "",
            ]
        }
        return render(
            .consoleFaults,
            title: "Faults and rate limits",
            section: "/faults",
            formToken: formToken,
            ["rules": rules, "rateLimits": limits]
        )
    }

    private func clockPage(_ formToken: String) -> Response {
        let now = clock.now
        return render(
            .consoleClock,
            title: "Clock",
            section: "/clock",
            formToken: formToken,
            ["now": Self.time(now), "unixTime": Int(now.timeIntervalSince1970), "offset": String(format: "%g", clock.offsetSeconds)]
        )
    }

    // MARK: Form parsing

    private static func user(from form: Parameters, id: String?) throws -> User {
        let document = UserResource(
            userId: id,
            displayName: form["displayName"],
            pictureUrl: form.nonEmpty("pictureUrl"),
            statusMessage: form.nonEmpty("statusMessage"),
            email: form.nonEmpty("email")
        )
        do {
            return try document.user()
        } catch {
            throw PlatformError.page(400, "Invalid user", error.description)
        }
    }

    private static func rule(from form: Parameters) throws -> FaultInjector.Rule {
        guard let action = FaultInjector.Action(rawValue: form["action"] ?? "") else {
            throw PlatformError.page(400, "Invalid fault", "Choose an action.")
        }
        return FaultInjector.Rule(
            id: "",
            method: form.nonEmpty("method"),
            path: form["path"] ?? "",
            channelId: form.nonEmpty("channelId"),
            action: action,
            status: form.nonEmpty("status").flatMap(Int.init),
            latencyMs: form.nonEmpty("latencyMs").flatMap(Int.init),
            probability: form.nonEmpty("probability").flatMap(Double.init),
            count: form.nonEmpty("count").flatMap(Int.init)
        )
    }

    /// Parses `90s`, `10m`, `1h`, `30d` or a plain number of seconds.
    static func duration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let last = trimmed.last, let unit = units[last], let value = Double(trimmed.dropLast()), value > 0 { return value * unit }
        if let value = Double(trimmed), value > 0 { return value }
        return nil
    }

    private static func shorten(_ token: String) -> String {
        token.count > 24 ? String(token.prefix(12)) + "…" + String(token.suffix(8)) : token
    }

    /// What a chat bubble shows for a message: the text, or a short description of other types.
    private static func summary(of message: StoredMessage) -> String {
        let object = (try? JSONSerialization.jsonObject(with: message.json)) as? [String: Any] ?? [:]
        switch message.type {
        case "text", "textV2": return object["text"] as? String ?? ""
        case "sticker": return "[sticker \(object["packageId"] as? String ?? "?")/\(object["stickerId"] as? String ?? "?")]"
        case "image", "video", "audio": return "[\(message.type)] \(object["originalContentUrl"] as? String ?? "")"
        case "location": return "[location] \(object["title"] as? String ?? "")"
        default: return "[\(message.type)] \(object["altText"] as? String ?? "")"
        }
    }
}
