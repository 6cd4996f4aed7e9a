import Foundation

/// The apps (LINE Login channels) each user has consented to.
extension AdminService {
    /// A consent with the name of its channel, for listing.
    struct ConsentListing: Sendable {
        var consent: Consent
        /// The channel's name, or its ID when the channel is gone.
        var channelName: String
    }

    /// The user's consents, oldest first.
    func consents(userID: String) async throws -> [ConsentListing] {
        _ = try await user(id: userID)
        let channels = try await store.channels()
        let names = Dictionary(channels.map { ($0.channelID, $0.name) }, uniquingKeysWith: { first, _ in first })
        return try await store.consents(userID: userID).map { consent in
            ConsentListing(consent: consent, channelName: names[consent.channelID] ?? consent.channelID)
        }
    }

    /// Removes the app for the user, as LINE's deauthorize does: the consent, pending codes and every token of the
    /// user for the channel, for good. `false` when there was nothing to remove.
    @discardableResult
    func deauthorize(userID: String, channelID: String) async throws -> Bool {
        try await store.deauthorize(userID: userID, channelID: channelID, at: clock.now)
    }
}
