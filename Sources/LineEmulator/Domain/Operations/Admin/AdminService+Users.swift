import Foundation

/// The emulated LINE users and their friendships with channels' bots.
extension AdminService {
    func users() async throws -> [User] {
        try await store.users()
    }

    func user(id: String) async throws -> User {
        guard let user = try await store.user(id: id) else { throw AdminError.notFound("user \(id) not found") }
        return user
    }

    /// Creates the user `profile` describes (an ID generated when it has none).
    func createUser(_ profile: UserResource) async throws -> User {
        let user = try Self.user(from: profile)
        guard try await store.insertUser(user) else { throw AdminError.conflict("user \(user.userID) already exists") }
        return user
    }

    /// Replaces an existing user's profile (`profile.userId` names the user).
    func updateUser(_ profile: UserResource) async throws -> User {
        let user = try Self.user(from: profile)
        guard try await store.updateUser(user) else { throw AdminError.notFound("user \(user.userID) not found") }
        return user
    }

    /// The channels whose bot the user is a friend of.
    func friendChannels(userID: String) async throws -> [String] {
        try await store.friendChannels(userID: userID)
    }

    /// Makes the user a friend of exactly the bots of `channelIDs` among the channels with a linked bot.
    func setFriendships(userID: String, friendOf channelIDs: Set<String>) async throws {
        _ = try await user(id: userID)
        // Adding or blocking an account sends it `follow` or `unfollow`.
        for channel in try await store.channels() where channel.kind == .messaging {
            try await webhooks.setFriendship(
                userID: userID,
                botChannelID: channel.channelID,
                isFriend: channelIDs.contains(channel.channelID)
            )
        }
    }

    private static func user(from profile: UserResource) throws -> User {
        do { return try profile.user() } catch { throw AdminError.invalid(error.description) }
    }
}
