import Foundation

/// The channels and users an emulator starts with, and returns to on `POST /_emulator/v1/reset`.
public struct Seed: Sendable, Equatable {
    /// The LINE Login and Messaging API channels registered on the emulated platform.
    public var channels: [Channel]
    /// The LINE users who can log in on the emulator's login page.
    public var users: [User]
    /// Pairs of (user ID, Messaging API channel ID) whose user is a friend of that channel's LINE Official Account.
    public var friendships: [Friendship]
    /// LINE Login channels linked to a Messaging API channel (their LINE Official Account), as in the LINE Developers
    /// Console: `bot_prompt`, the friendship status and `follow`/`unfollow` events belong to the linked channel.
    public var links: [Link]
    /// The webhook settings of Messaging API channels.
    public var webhooks: [WebhookEndpoint]

    /// A LINE Login channel and the Messaging API channel linked to it.
    public struct Link: Sendable, Equatable, Codable {
        /// The LINE Login channel.
        public var loginChannelID: String
        /// The Messaging API channel whose LINE Official Account is linked to it.
        public var botChannelID: String

        /// - Parameters:
        ///   - loginChannelID: the LINE Login channel.
        ///   - botChannelID: the Messaging API channel linked to it.
        public init(loginChannelID: String, botChannelID: String) {
            self.loginChannelID = loginChannelID
            self.botChannelID = botChannelID
        }
    }

    /// A user who is a friend of the LINE Official Account linked to a channel.
    public struct Friendship: Sendable, Equatable, Codable {
        /// The user's LINE user ID (`U` and 32 hexadecimal digits).
        public var userID: String
        /// The channel whose linked LINE Official Account the user is a friend of.
        public var channelID: String

        /// A friendship between the user `userID` and the account linked to channel `channelID`.
        public init(userID: String, channelID: String) {
            self.userID = userID
            self.channelID = channelID
        }
    }

    /// - Parameters:
    ///   - channels: LINE Login and Messaging API channels.
    ///   - users: the users to log in as.
    ///   - friendships: which users are friends of which Messaging API channel's account.
    ///   - links: which LINE Login channel is linked to which Messaging API channel.
    ///   - webhooks: Messaging API channels' webhook URLs and switches.
    public init(
        channels: [Channel] = [],
        users: [User] = [],
        friendships: [Friendship] = [],
        links: [Link] = [],
        webhooks: [WebhookEndpoint] = []
    ) {
        self.channels = channels
        self.users = users
        self.friendships = friendships
        self.links = links
        self.webhooks = webhooks
    }

    /// The web-app LINE Login channel of the default seed (HS256 ID tokens, `client_secret` required).
    public static let webChannel = Channel(
        channelID: "2000000001",
        channelSecret: "7c4b9e1f2a3d5e6f8091a2b3c4d5e6f7",
        name: "LineKit Web Login",
        appType: .web,
        callbackURLs: [
            "http://127.0.0.1:8080/callback",
            "http://localhost:8080/callback",
            "http://127.0.0.1:8080/auth/line/callback",
            "http://localhost:8080/auth/line/callback",
        ]
    )

    /// The native-app LINE Login channel of the default seed (ES256 ID tokens, PKCE without a secret).
    public static let nativeChannel = Channel(
        channelID: "2000000002",
        channelSecret: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        name: "LineKit Native App",
        appType: .native,
        callbackURLs: ["linekit-sample://callback", "http://127.0.0.1:8080/native/callback"]
    )

    /// The Messaging API channel of the default seed (the LINE Official Account that pushes messages).
    public static let messagingChannel = Channel(
        channelID: "2000000003",
        channelSecret: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        name: "LineKit Bot",
        kind: .messaging,
        appType: .web,
        callbackURLs: [],
        emailPermission: false
    )

    /// The users of the default seed.
    public static let defaultUsers = [
        User(
            userID: "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701",
            displayName: "Brown",
            pictureURL: "https://profile.line-scdn.net/linekit-emulator/brown",
            statusMessage: "Hello, LINE!",
            email: "brown@example.com"
        ),
        User(
            userID: "U2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a02",
            displayName: "Cony",
            pictureURL: "https://profile.line-scdn.net/linekit-emulator/cony",
            statusMessage: "Carrots please",
            email: "cony@example.com"
        ),
        User(
            userID: "U3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c03",
            displayName: "Sally",
            pictureURL: nil,
            statusMessage: nil,
            email: "sally@example.com"
        ),
    ]

    /// Two LINE Login channels (web and native), a Messaging API channel linked to the web channel (its LINE Official
    /// Account, with no webhook URL yet) and three users, of whom Brown is a friend of the account.
    public static let `default` = Seed(
        channels: [webChannel, nativeChannel, messagingChannel],
        users: defaultUsers,
        friendships: [Friendship(userID: defaultUsers[0].userID, channelID: messagingChannel.channelID)],
        links: [Link(loginChannelID: webChannel.channelID, botChannelID: messagingChannel.channelID)]
    )
}
