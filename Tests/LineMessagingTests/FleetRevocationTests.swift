import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import Testing

@Suite("Fleet: what the other providers do after a fleet-wide revocation")
struct FleetRevocationTests {
    @Test("the others hand out their cached token until their recheck interval (10 s), then the fleet issues once")
    func othersFollowWithinTheRecheckInterval() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            let client = ChannelAccessTokenClient(api: harness.api)
            let fleet = Fleet(harness, stores: Array(repeating: InMemoryChannelTokenStore(), count: 3))
            let old = try #require(try await fleet.tokens(callers: 30).first)
            try await fleet.providers[0].revokeSharedToken()
            fleet.advanceClocks(to: 5)
            #expect(try await fleet.providers[1].token().accessToken == old, "within the recheck interval: still cached")
            fleet.advanceClocks(to: 11)
            let renewed = try await fleet.tokens(callers: 30)
            #expect(renewed.count == 1 && !renewed.contains(old))
            for token in renewed { _ = try await client.verifyShortLived(token) }
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2, "one new issue for the fleet")
        }
    }
}
