import Crypto
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import LineMessaging
import LineMessagingPostgres
import NIOHTTP1
import PostgresNIO
import Testing

@Suite(
    "Fleet: providers each with its own PostgresClient on one database, against the emulator",
    .enabled(if: PostgresFixture.enabled, PostgresFixture.notRunReason)
)
struct FleetPostgresTests {
    static let sealer = ChannelTokenSealer(key: SymmetricKey(data: Self.keyBytes))
    static let keyBytes = Data((0..<32).map { UInt8($0 * 7 % 256) })

    @Test("5 providers, each its own PostgresClient, 200 concurrent callers: exactly one issue request (5 trials)")
    func oneIssuePerFleet() async throws {
        try await TestEmulator.run { emulator in
            let harness = Harness(emulator)
            try await PostgresFixture.withSchema(clients: 5) { schema, clients in
                let stores = try await PostgresFixture.stores(clients, schema: schema)
                let slot = ChannelTokenSlot(channelID: Harness.bot.channelID, kind: .shortLived)
                for trial in 1...5 {
                    let fleet = Fleet(harness, stores: stores, sealer: Self.sealer)
                    #expect(try await fleet.tokens(callers: 200).count == 1, "trial \(trial)")
                    #expect(try await harness.requestCount("/v2/oauth/accessToken") == trial, "trial \(trial): one issue")
                    _ = try await stores[0].removeSharedToken(for: slot)  // the next trial starts empty
                }
            }
        }
    }

    @Test("10 processes preparing the table at the same moment: all succeed, the schema is at version 1 (10 trials)")
    func concurrentPrepare() async throws {
        for _ in 1...10 {
            try await PostgresFixture.withSchema(clients: 10) { schema, clients in
                let stores = try await PostgresFixture.stores(clients, schema: schema)
                for store in stores { #expect(try await store.schemaVersion() == 1) }
                try await stores[0].prepare()  // again: nothing to do
                #expect(try await stores[0].slots(channelID: nil).isEmpty)
            }
        }
    }

    @Test("renewal near expiry, with the providers' clocks moved: once for the fleet")
    func renewalOncePerFleet() async throws {
        try await PostgresFixture.withFleet(providers: 5, sealer: Self.sealer) { harness, fleet, _ in
            let first = try await fleet.tokens(callers: 50)
            fleet.advanceClocks(to: 25 * 86400)
            let during = try await fleet.tokens(callers: 200)  // the old token still serves while one renews
            let renewed = try await fleet.tokens(callers: 200)
            #expect(renewed.count == 1 && renewed != first)
            #expect(during.isSubset(of: first.union(renewed)))
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2, "one renewal for the whole fleet")
        }
    }

    @Test("401 on the shared token: one reissue for the fleet; every caller then gets the new token")
    func unauthorizedCausesOneReissue() async throws {
        try await PostgresFixture.withFleet(providers: 5, sealer: Self.sealer) { harness, fleet, _ in
            let old = try await fleet.providers[0].token()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for provider in fleet.providers { group.addTask { try await provider.invalidate(old) } }
                try await group.waitForAll()
            }
            let now = try await fleet.tokens(callers: 200)
            #expect(now.count == 1 && !now.contains(old.accessToken))
            #expect(try await harness.requestCount("/v2/oauth/accessToken") == 2)
        }
    }

    @Test("60 restarts of two instances with v2.1 tokens: never a revoked token handed out, one live token at most")
    func restartsStayUnderTheCaps() async throws {
        try await PostgresFixture.withFleet(providers: 2, sealer: Self.sealer) { harness, _, stores in
            try await Fleet.restartsStayUnderTheCaps(harness, stores: stores, sealer: Self.sealer)
        }
    }

    @Test("a lease holder in another OS process killed with -9 mid-issue: the others proceed once its lease lapses")
    func killedLeaseHolder() async throws {
        try await PostgresFixture.withFleet(providers: 5, sealer: Self.sealer) { harness, fleet, stores in
            // The other process's issue request hangs at the emulator, so it is killed while holding the lease.
            _ = try await harness.admin(
                .POST,
                "/faults",
                ["path": "/v2/oauth/accessToken", "action": "latency", "latencyMs": 8000, "count": 1]
            )
            let keyFile = try Self.keyFile()
            defer { try? FileManager.default.removeItem(at: keyFile) }
            let holder = try LinekitProcess.start([
                "token", "fleet", "renew", "--emulator", harness.emulator.baseURL.absoluteString, "--postgres",
                try #require(PostgresFixture.url),
                "--schema", try #require(stores[0].schema), "--sealing-key-file", keyFile.path, "--channel-id", Harness.bot.channelID,
                "--channel-secret", Harness.bot.channelSecret, "--lease-seconds", "3",
            ])
            var lease: ChannelTokenLease?
            for _ in 0..<600 where lease == nil {
                lease = try await stores[0].slots(channelID: nil).first?.lease
                if lease == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let held = try #require(lease, "the linekit process never claimed the lease")
            #expect(held.owner.contains(":\(holder.processIdentifier):"))
            // Killed mid-issue: once its request is held at the emulator (the fault is used up as the request arrives).
            // Killed before it sent the request, it would leave the fault to delay the next issuer instead.
            var faultsLeft = 1
            for _ in 0..<600 where faultsLeft > 0 {
                faultsLeft = (try await harness.admin(.GET, "/faults")["faults"] as? [Any])?.count ?? 0
                if faultsLeft > 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            try #require(faultsLeft == 0, "the linekit process never sent its issue request")
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
            let killedAt = Date()
            #expect(try await fleet.tokens(callers: 200).count == 1)
            let recovered = Date().timeIntervalSince(killedAt)
            let leaseLeft = held.expiresAt.timeIntervalSince(killedAt)
            // Once the lease lapses: a claim and one issue, a second or so even on a busy machine, where waiting for the
            // killed holder's request would take the 8 s it is held at the emulator.
            #expect(recovered < leaseLeft + 5, "recovered \(recovered) s after the kill; \(leaseLeft) s of lease were left")
            let state = try #require(try await stores[0].slots(channelID: nil).first)
            #expect(state.token?.issuedBy.hasPrefix("instance-") == true)
            #expect(state.lease == nil)
            print("fleet: recovered \(String(format: "%.2f", recovered)) s after kill -9 of the lease holder (3 s lease)")
        }
    }

    @Test("linekit token fleet status shows masked tokens, expiry and issuer (a wrong key: a clear error, no token); revoke ends them")
    func operatorStatus() async throws {
        try await PostgresFixture.withFleet(providers: 1, sealer: Self.sealer) { harness, fleet, stores in
            let schema = try #require(stores[0].schema)
            let token = try await fleet.providers[0].token()
            let keyFile = try Self.keyFile()
            defer { try? FileManager.default.removeItem(at: keyFile) }
            let arguments = [
                "token", "fleet", "status", "--postgres", try #require(PostgresFixture.url), "--schema", schema, "--sealing-key-file",
            ]
            let status = try LinekitProcess.run(arguments + [keyFile.path])
            #expect(status.exitCode == 0, "\(status.error)")
            #expect(!status.output.contains(token.accessToken) && !status.error.contains(token.accessToken))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
            let slot = try #require((json["slots"] as? [[String: Any]])?.first)
            #expect(slot["token"] as? String == token.masked)
            #expect(slot["issued_by"] as? String == "instance-0")
            #expect(slot["state"] as? String == "live")
            #expect(slot["expires_at"] as? String == ISO8601DateFormatter().string(from: token.expiresAt))

            let wrongKey = FileManager.default.temporaryDirectory.appending(path: "wrong-\(UUID().uuidString).key")
            try Data(repeating: 9, count: 32).write(to: wrongKey)
            defer { try? FileManager.default.removeItem(at: wrongKey) }
            let refused = try LinekitProcess.run(arguments + [wrongKey.path])
            #expect(refused.exitCode == 1)
            #expect(refused.error.contains("does not open with this sealing key"), "\(refused.error)")
            #expect(!refused.output.contains(token.accessToken) && !refused.error.contains(token.accessToken))

            // The fleet-wide end: revoked at LINE, gone from the store.
            let revoke = try LinekitProcess.run([
                "token", "fleet", "revoke", "--emulator", harness.emulator.baseURL.absoluteString, "--postgres",
                try #require(PostgresFixture.url), "--schema", schema, "--sealing-key-file", keyFile.path, "--channel-id",
                Harness.bot.channelID, "--channel-secret", Harness.bot.channelSecret,
            ])
            #expect(revoke.exitCode == 0, "\(revoke.error)")
            await #expect(throws: LineAPIError.self) {
                try await ChannelAccessTokenClient(api: harness.api).verifyShortLived(token.accessToken)
            }
            #expect(try await stores[0].slots(channelID: nil).isEmpty)
        }
    }

    @Test("a wrong sealing key through PostgreSQL: a typed error, never garbage")
    func wrongSealingKey() async throws {
        try await PostgresFixture.withFleet(providers: 2, sealer: Self.sealer) { harness, fleet, stores in
            _ = try await fleet.providers[0].token()
            let other = Fleet(harness, stores: [stores[1]], sealer: ChannelTokenSealer(key: SymmetricKey(size: .bits256)))
            await #expect(
                throws: MessagingError.sealedTokenUnreadable(ChannelTokenSlot(channelID: Harness.bot.channelID, kind: .shortLived))
            ) {
                try await other.providers[0].token()
            }
        }
    }

    static func keyFile() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appending(path: "sealing-\(UUID().uuidString).key")
        try Data(keyBytes.map { String(format: "%02x", $0) }.joined().utf8).write(to: file)
        return file
    }
}

@Suite("Fleet: PostgreSQL down")
struct FleetPostgresDownTests {
    @Test("the database unreachable: MessagingError storeUnavailable within the operation timeout, nothing issued")
    func databaseDown() async throws {
        let stopped = try await TestEmulator.run { $0.port }  // nothing listens there any more
        let client = PostgresClient(
            configuration: try PostgresChannelTokenStore.clientConfiguration(
                url: "postgres://nobody@127.0.0.1:\(stopped)/none?sslmode=disable"
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresChannelTokenStore(client: client, operationTimeout: .seconds(2))
            let provider = ChannelTokenProvider(
                channelID: Harness.bot.channelID,
                credential: .secret(Harness.bot.channelSecret),
                client: ChannelAccessTokenClient(
                    api: LineAPIClient(configuration: .init(endpoints: .emulator(URL(string: "http://127.0.0.1:\(stopped)")!)))
                ),
                store: store
            )
            let started = ContinuousClock.now
            do {
                _ = try await provider.token()
                Issue.record("a token without a store")
            } catch let error as MessagingError {
                #expect(error.code == .storeUnavailable && !error.message.isEmpty, "\(error)")
            }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }
}

/// The `linekit` executable next to the test bundle, run as an operator (or a fleet instance) would.
enum LinekitProcess {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "linekit")
    }

    static func start(_ arguments: [String]) throws -> Process {
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build first: \(executable.path) is missing")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func run(_ arguments: [String]) throws -> (exitCode: Int32, output: String, error: String) {
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build first: \(executable.path) is missing")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
