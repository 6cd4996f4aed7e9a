import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Persistence")
struct PersistenceTests {
    @Test("tokens, consents and added users survive a restart on the same SQLite file; ES256 keys stay the same")
    func restart() async throws {
        try await withTemporaryDatabase { path in
            let clock = EmulatorClock(fixed: Date())

            let (accessToken, refreshToken, certs) = try await TestEmulator.run(storage: .sqlite(path: path), clock: clock) { emulator in
                let token = try await Fixture.login(emulator)
                _ = try await RawHTTP(emulator).postJSON(
                    "/_emulator/v1/users",
                    ["userId": "U0123456789abcdef0123456789abcdef", "displayName": "Kept"]
                )
                let certs = try await RawHTTP(emulator).get("/oauth2/v2.1/certs").text
                return (try #require(token["access_token"] as? String), try #require(token["refresh_token"] as? String), certs)
            }

            try await TestEmulator.run(storage: .sqlite(path: path), clock: clock) { emulator in
                let http = RawHTTP(emulator)
                #expect(try await VerifyRevokeTests.verify(emulator, accessToken).status == 200)
                #expect(try await TokenTests.refresh(emulator, refreshToken).status == 200)
                #expect(try await http.get("/v2/profile", bearer: accessToken).json["userId"] as? String == Fixture.brown.userID)
                let users = try #require(try await http.get("/_emulator/v1/users").json["users"] as? [[String: Any]])
                #expect(users.contains { $0["userId"] as? String == "U0123456789abcdef0123456789abcdef" })
                #expect(users.count == 4, "the seed is not inserted twice")
                #expect(try await http.get("/oauth2/v2.1/certs").text == certs)
                let consents = try await http.get("/_emulator/v1/users/\(Fixture.brown.userID)/consents")
                #expect((consents.json["consents"] as? [Any])?.count == 1)
            }
        }
    }

    @Test("20 stops and starts in a row on one file, each after logins over kept-alive connections: every start takes the file")
    func restartsInARow() async throws {
        try await withTemporaryDatabase { path in
            var tokens: [String] = []
            for round in 1...20 {
                tokens = try await TestEmulator.run(storage: .sqlite(path: path)) { emulator in
                    for token in tokens {
                        #expect(try await VerifyRevokeTests.verify(emulator, token).status == 200, "round \(round)")
                    }
                    return tokens + [try #require(try await Fixture.login(emulator)["access_token"] as? String)]
                }
            }
            #expect(tokens.count == 20)
        }
    }

    @Test("a second emulator on the same database file is refused with a clear error; the file is free once the first stops")
    func oneEmulatorPerFile() async throws {
        try await withTemporaryDatabase { path in
            try await TestEmulator.run(storage: .sqlite(path: path)) { _ in
                let error = await #expect(throws: (any Error).self) {
                    _ = try await Emulator(configuration: .init(storage: .sqlite(path: path)))
                }
                #expect(String(describing: error).contains("is in use by another emulator"))
            }
            try await TestEmulator.run(storage: .sqlite(path: path)) { emulator in
                let code = try await Fixture.code(emulator)
                #expect(!code.isEmpty)
            }
        }
    }
}
