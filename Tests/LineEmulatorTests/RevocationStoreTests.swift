import Foundation
import Testing

@testable import LineEmulator

/// The store's side of "an acknowledged revocation is final": `refreshGrant` and `redeemCode` check the grant and
/// the consent in the write itself. Every backend runs them (``StoreBackend``).
@Suite("Store: revocation is final")
struct RevocationStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func code(_ value: String, userID: String = "U1", channelID: String = "1000000001") -> AuthorizationCode {
        AuthorizationCode(
            code: value,
            version: .v2_1,
            channelID: channelID,
            userID: userID,
            redirectURI: "https://example.com/cb",
            scopes: ScopeSet([.profile]),
            nonce: nil,
            codeChallenge: nil,
            authTime: nil,
            amr: ["pwd"],
            issuedAt: now,
            expiresAt: now.addingTimeInterval(600)
        )
    }

    static func consent(userID: String = "U1", channelID: String = "1000000001") -> Consent {
        Consent(userID: userID, channelID: channelID, scopes: ScopeSet([.profile]), grantedAt: now)
    }

    static func token(_ accessToken: String, refreshToken: String, code: String, at time: Date = now) -> UserAccessToken {
        UserAccessToken(
            accessToken: accessToken,
            refreshToken: refreshToken,
            version: .v2_1,
            channelID: "1000000001",
            userID: "U1",
            scopes: ScopeSet([.profile]),
            issuedAt: time,
            expiresAt: time.addingTimeInterval(3600),
            refreshExpiresAt: now.addingTimeInterval(86_400),
            revokedAt: nil,
            code: code
        )
    }

    /// Runs `body` with a store of `backend` holding one redeemed code `C1` whose grant is `R1`.
    static func withGrant(_ backend: StoreBackend, _ body: (any EmulatorStore) async throws -> Void) async throws {
        try await backend.withInstances(seed: Seed()) { stores in
            let store = stores[0]
            try await store.insertCode(code("C1"), grantingConsent: consent())
            let redemption = try await store.redeemCode("C1", issuing: token("A1", refreshToken: "R1", code: "C1"))
            guard case .redeemed = redemption else { throw StoreTestError.unexpected("\(redemption)") }
            try await body(store)
        }
    }

    @Test("refreshGrant stores a token on a live grant, and refuses unknown, expired and revoked grants", arguments: StoreBackend.available)
    func refreshOutcomes(backend: StoreBackend) async throws {
        try await Self.withGrant(backend) { store in
            #expect(try await store.refreshGrant(issuing: Self.token("A2", refreshToken: "R1", code: "C1")) == .refreshed)
            #expect(try await store.userToken(accessToken: "A2")?.revokedAt == nil)
            #expect(try await store.refreshGrant(issuing: Self.token("A3", refreshToken: "R9", code: "C1")) == .unknown)
            let late = Self.token("A4", refreshToken: "R1", code: "C1", at: Self.now.addingTimeInterval(86_400))
            #expect(try await store.refreshGrant(issuing: late) == .expired)

            try await store.revokeGrant(refreshToken: "R1", at: Self.now)
            #expect(try await store.refreshGrant(issuing: Self.token("A5", refreshToken: "R1", code: "C1")) == .revoked)
            #expect(try await store.userToken(accessToken: "A5") == nil)
            #expect(try await store.userToken(refreshToken: "R1")?.revokedAt != nil)
        }
    }

    @Test("refreshGrant refuses a grant revoked by a code replay or a deauthorize", arguments: StoreBackend.available)
    func refreshAfterOtherRevocations(backend: StoreBackend) async throws {
        try await Self.withGrant(backend) { replayed in
            try await replayed.revokeGrants(issuedFromCode: "C1", at: Self.now)
            #expect(try await replayed.refreshGrant(issuing: Self.token("A2", refreshToken: "R1", code: "C1")) == .revoked)
        }
        try await Self.withGrant(backend) { (deauthorized: any EmulatorStore) async throws in
            #expect(try await deauthorized.deauthorize(userID: "U1", channelID: "1000000001", at: Self.now))
            #expect(try await deauthorized.refreshGrant(issuing: Self.token("A2", refreshToken: "R1", code: "C1")) == .revoked)
        }
    }

    @Test("a deauthorize ends the codes not redeemed yet, and a code without consent is never redeemed", arguments: StoreBackend.available)
    func codesAfterDeauthorize(backend: StoreBackend) async throws {
        try await Self.withGrant(backend) { store in
            try await store.insertCode(Self.code("C2"), grantingConsent: nil)
            _ = try await store.authorizationCode("C2")  // cached
            #expect(try await store.deauthorize(userID: "U1", channelID: "1000000001", at: Self.now))
            #expect(try await store.authorizationCode("C2") == nil)
            let afterDeauthorize = try await store.redeemCode("C2", issuing: Self.token("A2", refreshToken: "R2", code: "C2"))
            guard case .unknown = afterDeauthorize else { throw StoreTestError.unexpected("\(afterDeauthorize)") }

            // A code issued without a consent of its own (prompt=none) as the consent was withdrawn.
            try await store.insertCode(Self.code("C3"), grantingConsent: nil)
            let withoutConsent = try await store.redeemCode("C3", issuing: Self.token("A3", refreshToken: "R3", code: "C3"))
            guard case .consentWithdrawn = withoutConsent else { throw StoreTestError.unexpected("\(withoutConsent)") }
            #expect(try await store.userToken(accessToken: "A3") == nil)
        }
    }

    enum StoreTestError: Error {
        case unexpected(String)
    }
}
