import Foundation
import Yams

/// Reads a seed from a JSON or YAML file (`linekit emulator --config FILE`).
///
/// ```yaml
/// channels:
///   - channelId: "1234567890"
///     channelSecret: "0123456789abcdef0123456789abcdef"
///     name: My app
///     appType: web            # web | native | webAndNative
///     callbackUrls: ["http://localhost:3000/callback"]
///     linkedChannelId: "1234567891"   # the Messaging API channel (LINE Official Account) linked to it
///   - channelId: "1234567891"
///     channelSecret: "0123456789abcdef0123456789abcdef"
///     name: My bot
///     type: messaging
///     webhookUrl: http://localhost:3000/webhook
/// users:
///   - userId: U0123456789abcdef0123456789abcdef
///     displayName: Taro
///     email: taro@example.com
///     friendOf: ["1234567891"]     # a Messaging API channel, or a LINE Login channel for its linked one
/// ```
extension Seed {
    /// A seed file that cannot be read or is not a valid seed; ``description`` names the file and the fault.
    public struct FileError: Error, CustomStringConvertible {
        /// What went wrong, with the file's path.
        public var description: String
    }

    /// Parses a seed file; the format is chosen by extension (`.json`, otherwise YAML, of which JSON is a subset).
    ///
    /// - Parameter url: the file to read.
    /// - Returns: the seed the file describes.
    /// - Throws: ``FileError`` when the file cannot be read or does not parse as a seed (an unknown app type, a
    ///   malformed user ID or display name), declares a channel or a user twice, or makes a user the friend of an
    ///   unknown channel.
    public static func load(contentsOf url: URL) throws -> Seed {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FileError(description: "cannot read \(url.path): \(error.localizedDescription)")
        }
        let document: SeedDocument
        do {
            if url.pathExtension.lowercased() == "json" {
                document = try JSONDecoder().decode(SeedDocument.self, from: data)
            } else {
                document = try YAMLDecoder().decode(SeedDocument.self, from: data)
            }
        } catch {
            throw FileError(description: "\(url.path) is not a valid seed: \(error)")
        }
        return try document.seed()
    }
}

/// The on-disk shape of a seed; field names match the admin API's JSON.
struct SeedDocument: Decodable {
    var channels: [ChannelDocument]?
    var users: [UserDocument]?

    struct UserDocument: Decodable {
        var user: UserResource
        var friendOf: [String]

        init(from decoder: any Decoder) throws {
            user = try UserResource(from: decoder)
            enum Keys: String, CodingKey { case friendOf }
            friendOf = try decoder.container(keyedBy: Keys.self).decodeIfPresent([String].self, forKey: .friendOf) ?? []
        }
    }

    func seed() throws -> Seed {
        let channels = try (channels ?? []).map { try $0.channel() }
        var seenChannels = Set<String>()
        for id in channels.map(\.channelID) where !seenChannels.insert(id).inserted {
            throw Seed.FileError(description: "channel \(id) is declared twice")
        }
        var users: [User] = []
        var friendships: [Seed.Friendship] = []
        var seenUsers = Set<String>()
        for document in self.users ?? [] {
            let user = try document.user.user()
            guard seenUsers.insert(user.userID).inserted else {
                throw Seed.FileError(description: "user \(user.userID) is declared twice")
            }
            users.append(user)
            friendships += document.friendOf.map { Seed.Friendship(userID: user.userID, channelID: $0) }
        }
        var links: [Seed.Link] = []
        var webhooks: [WebhookEndpoint] = []
        for (document, channel) in zip(self.channels ?? [], channels) {
            if let webhook = try document.webhookEndpoint(of: channel) { webhooks.append(webhook) }
            guard let botID = document.linkedChannelId else { continue }
            guard channel.kind == .login, channels.contains(where: { $0.channelID == botID && $0.kind == .messaging }) else {
                throw Seed.FileError(
                    description: "linkedChannelId of channel \(channel.channelID) must name a Messaging API channel of the seed"
                )
            }
            links.append(Seed.Link(loginChannelID: channel.channelID, botChannelID: botID))
        }
        for index in friendships.indices {
            let channelID = friendships[index].channelID
            guard let channel = channels.first(where: { $0.channelID == channelID }) else {
                throw Seed.FileError(description: "user \(friendships[index].userID) is a friend of unknown channel \(channelID)")
            }
            // A LINE Login channel stands for the account linked to it.
            if channel.kind == .login {
                guard let link = links.first(where: { $0.loginChannelID == channelID }) else {
                    throw Seed.FileError(description: "channel \(channelID) has no linked LINE Official Account to be a friend of")
                }
                friendships[index].channelID = link.botChannelID
            }
        }
        return Seed(channels: channels, users: users, friendships: friendships, links: links, webhooks: webhooks)
    }
}
