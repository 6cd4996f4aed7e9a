import Foundation

/// A channel as the admin API and seed files spell it.
struct ChannelDocument: Codable, Sendable {
    var channelId: String?
    var channelSecret: String?
    var name: String?
    var type: Channel.Kind?
    var appType: Channel.AppType?
    var callbackUrls: [String]?
    var emailPermission: Bool?
    /// On a LINE Login channel: the Messaging API channel linked to it (its LINE Official Account).
    var linkedChannelId: String?
    /// On a Messaging API channel: its webhook URL and whether webhooks are used.
    var webhookUrl: String?
    var webhookActive: Bool?

    init(_ channel: Channel, linkedChannelID: String? = nil, webhook: WebhookEndpoint? = nil) {
        channelId = channel.channelID
        channelSecret = channel.channelSecret
        name = channel.name
        type = channel.kind
        appType = channel.appType
        callbackUrls = channel.callbackURLs
        emailPermission = channel.emailPermission
        linkedChannelId = linkedChannelID
        webhookUrl = webhook?.url
        webhookActive = webhook?.isActive
    }

    /// The channel this document describes, with generated ID and secret where they are missing.
    func channel() throws(Seed.FileError) -> Channel {
        let id = channelId ?? String(Int.random(in: 1_000_000_000...1_999_999_999))
        guard id.utf8.count == 10, id.utf8.allSatisfy({ (48...57).contains($0) }) else {
            throw Seed.FileError(description: "channelId must be 10 digits, got \"\(id)\"")
        }
        let secret = channelSecret ?? Randomness.hex(bytes: 16)
        guard secret.utf8.count == 32, secret.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw Seed.FileError(description: "channelSecret of channel \(id) must be 32 lowercase hexadecimal digits")
        }
        let kind = type ?? .login
        let callbacks = callbackUrls ?? []
        for url in callbacks {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), !url.contains("#") else {
                throw Seed.FileError(description: "callback URL \"\(url)\" of channel \(id) is not an absolute URL without fragment")
            }
            let isWeb = scheme == "http" || scheme == "https"
            guard !Self.refusedCallbackSchemes.contains(scheme), !isWeb || parsed.host?.isEmpty == false else {
                throw Seed.FileError(
                    description:
                        "callback URL of channel \(id) must be an http(s) URL with a host or an app's custom scheme, not \(scheme):"
                )
            }
        }
        if let name { try Self.requirePrintable(name, "name of channel \(id)") }
        return Channel(
            channelID: id,
            channelSecret: secret,
            name: name ?? "Channel \(id)",
            kind: kind,
            appType: appType ?? .web,
            callbackURLs: callbacks,
            emailPermission: emailPermission ?? true
        )
    }

    /// The channel's webhook settings, when the document gives a URL or the switch (Messaging API channels only).
    func webhookEndpoint(of channel: Channel) throws(Seed.FileError) -> WebhookEndpoint? {
        guard webhookUrl != nil || webhookActive != nil else { return nil }
        guard channel.kind == .messaging else {
            throw Seed.FileError(description: "channel \(channel.channelID) is not a Messaging API channel: it has no webhook")
        }
        let url = webhookUrl ?? ""
        if !url.isEmpty, let problem = WebhookURL.problem(with: url) {
            throw Seed.FileError(description: "webhookUrl of channel \(channel.channelID): \(problem)")
        }
        return WebhookEndpoint(channelID: channel.channelID, url: url, isActive: webhookActive ?? true)
    }
}

extension ChannelDocument {
    /// Schemes that run code or load content where a browser follows them instead of reaching an app: never a
    /// callback (the callback page links to it and the login flow redirects to it).
    static let refusedCallbackSchemes: Set<String> = ["javascript", "data", "vbscript", "file", "blob", "about"]

    /// Refuses control characters (NUL, line breaks, escapes, U+007F to U+009F): names are shown on pages and in logs.
    static func requirePrintable(_ text: String, _ what: String) throws(Seed.FileError) {
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Seed.FileError(description: "\(what) must not contain control characters")
        }
    }
}

/// A user as the admin API and seed files spell it (the field names of LINE's profile).
struct UserResource: Codable, Sendable {
    var userId: String?
    var displayName: String?
    var pictureUrl: String?
    var statusMessage: String?
    var email: String?

    init(userId: String?, displayName: String?, pictureUrl: String?, statusMessage: String?, email: String?) {
        self.userId = userId
        self.displayName = displayName
        self.pictureUrl = pictureUrl
        self.statusMessage = statusMessage
        self.email = email
    }

    init(_ user: User) {
        userId = user.userID
        displayName = user.displayName
        pictureUrl = user.pictureURL
        statusMessage = user.statusMessage
        email = user.email
    }

    /// The user this document describes, with a generated ID where it is missing.
    func user() throws(Seed.FileError) -> User {
        let id = userId ?? "U" + Randomness.hex(bytes: 16)
        guard User.isValidID(id) else {
            throw Seed.FileError(description: "userId must be U followed by 32 lowercase hexadecimal digits, got \"\(id)\"")
        }
        guard let displayName, !displayName.isEmpty, displayName.count <= 100 else {
            throw Seed.FileError(description: "displayName of user \(id) must be 1 to 100 characters")
        }
        try ChannelDocument.requirePrintable(displayName, "displayName of user \(id)")
        if let pictureUrl, !pictureUrl.hasPrefix("https://") && !pictureUrl.hasPrefix("http://") {
            throw Seed.FileError(description: "pictureUrl of user \(id) must be an http(s) URL")
        }
        return User(userID: id, displayName: displayName, pictureURL: pictureUrl, statusMessage: statusMessage, email: email)
    }
}
