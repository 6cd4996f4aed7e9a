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

extension Fleet {
    /// 60 simulated restarts of the instances on `stores` (v2.1 tokens): each instance starts, serves, and stops
    /// gracefully; every 15th stop is the fleet-wide revocation. Never a revoked token handed out, never more than
    /// the one live token the fleet needs.
    static func restartsStayUnderTheCaps(
        _ harness: Harness,
        stores: [any ChannelTokenStore],
        sealer: ChannelTokenSealer = .processLocal
    ) async throws {
        let signer = try await harness.assertionSigner()
        let credential = ChannelTokenProvider.Credential.assertion(
            signer,
            tokenLifetime: .seconds(86400),
            channelSecret: Harness.bot.channelSecret
        )
        let client = ChannelAccessTokenClient(api: harness.api)
        var mostLive = 0
        for restart in 1...60 {
            let fleet = Fleet(harness, stores: stores, sealer: sealer, credential: credential)
            let tokens = try await fleet.tokens(callers: 10)
            #expect(tokens.count == 1, "restart \(restart)")
            for token in tokens { _ = try await client.verify(token) }  // never a revoked one
            mostLive = max(mostLive, try await harness.liveV21Tokens(signer: signer))
            if restart % 15 == 0 { try await fleet.providers[0].revokeSharedToken() }
        }
        #expect(mostLive == 1, "the fleet needs one live token")
        #expect(try await harness.requestCount("/oauth2/v2.1/token") == 4, "issued once, then once after each revocation")
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
