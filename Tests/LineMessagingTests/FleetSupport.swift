import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import NIOHTTP1
import Synchronization
import Testing

/// A simulated fleet: providers of one channel sharing a store (or each its own client of a shared database), each
/// with its own clock offset.
struct Fleet {
    let harness: Harness
    let providers: [ChannelTokenProvider]
    let offsets: [ClockOffset]

    /// - Parameter stores: one store per provider (the same memory store, or a client each of one database).
    init(
        _ harness: Harness,
        stores: [any ChannelTokenStore],
        sealer: ChannelTokenSealer = .processLocal,
        credential: ChannelTokenProvider.Credential = .secret(Harness.bot.channelSecret),
        lease: Duration = .seconds(30)
    ) {
        self.harness = harness
        let offsets = stores.map { _ in ClockOffset() }
        self.offsets = offsets
        providers = stores.enumerated().map { index, store in
            let offset = offsets[index]
            return ChannelTokenProvider(
                channelID: Harness.bot.channelID,
                credential: credential,
                client: ChannelAccessTokenClient(api: harness.api),
                store: store,
                sealer: sealer,
                lease: lease,
                ownerID: "instance-\(index)",
                now: { Date().addingTimeInterval(offset.seconds.withLock { $0 }) }
            )
        }
    }

    /// Moves every provider's clock to `seconds` from now.
    func advanceClocks(to seconds: TimeInterval) {
        for offset in offsets { offset.seconds.withLock { $0 = seconds } }
    }

    /// `callers` concurrent `token()` calls spread over the providers; the distinct tokens they got.
    func tokens(callers: Int) async throws -> Set<String> {
        try await withThrowingTaskGroup(of: String.self) { group in
            for caller in 0..<callers {
                let provider = providers[caller % providers.count]
                group.addTask { try await provider.token().accessToken }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
    }
}

/// How far one provider's clock is ahead of the real time.
final class ClockOffset: Sendable {
    let seconds = Mutex<TimeInterval>(0)
}

extension Harness {
    /// How many v2.1 tokens of the bot are live at the emulator (`GET /oauth2/v2.1/tokens/kid`).
    func liveV21Tokens(signer: JWTAssertionSigner) async throws -> Int {
        try await ChannelAccessTokenClient(api: api).validKeyIDs(assertion: try signer.assertion()).value.count
    }

    /// Registers a new assertion key pair for the bot; its signer.
    func assertionSigner() async throws -> JWTAssertionSigner {
        let keys = try AssertionKeyPair.generate()
        let kid = try #require(try await admin(.POST, "/channels/\(Harness.bot.channelID)/keys", keys.publicJWK)["kid"] as? String)
        return JWTAssertionSigner(channelID: Harness.bot.channelID, keyID: kid, keys: keys)
    }
}
