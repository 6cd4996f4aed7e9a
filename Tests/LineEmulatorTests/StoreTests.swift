import Foundation
import GRDB
import LineEmulatorTesting
import NIOHTTP1
import Testing

@testable import LineEmulator

/// The SQLite store's in-memory caches must never answer with a row older than the last acknowledged write, and its
/// group commit must keep each write's outcome its own.
@Suite("Store: caches and group commit")
struct StoreTests {
    @Test("a token read once is seen revoked at once after revoke, deauthorize, code replay and reset")
    func cachedTokensFollowRevocation() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            func verified(_ token: String) async throws -> String? {
                let response = try await VerifyRevokeTests.verify(emulator, token)
                return response.status == 200 ? "ok" : response.json["error_description"] as? String
            }

            // Revoke: the token was verified (and so cached) before.
            let revoked = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            #expect(try await verified(revoked) == "ok")
            #expect(try await VerifyRevokeTests.revoke(emulator, revoked).status == 200)
            #expect(try await verified(revoked) == "The access token revoked")

            // Deauthorize: the access token and the grant's refresh both end.
            let login = try await Fixture.login(emulator)
            let userToken = try #require(login["access_token"] as? String)
            let refreshToken = try #require(login["refresh_token"] as? String)
            #expect(try await verified(userToken) == "ok")
            #expect(try await http.get("/v2/profile", bearer: userToken).status == 200)
            let channelToken = try await UserAPITests.channelToken(emulator)
            let deauthorized = try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": userToken], bearer: channelToken)
            #expect(deauthorized.status == 204)
            #expect(try await verified(userToken) == "The access token revoked")
            #expect(try await TokenTests.refresh(emulator, refreshToken).status == 400)

            // Code replay revokes what the code issued, including a refreshed token.
            let code = try await Fixture.code(emulator)
            let first = try await TokenTests.exchange(emulator, code: code)
            let firstToken = try #require(first.json["access_token"] as? String)
            let refreshed = try await TokenTests.refresh(emulator, try #require(first.json["refresh_token"] as? String))
            let refreshedToken = try #require(refreshed.json["access_token"] as? String)
            #expect(try await verified(firstToken) == "ok")
            #expect(try await verified(refreshedToken) == "ok")
            #expect(try await TokenTests.exchange(emulator, code: code).status == 400)
            #expect(try await verified(firstToken) == "The access token revoked")
            #expect(try await verified(refreshedToken) == "The access token revoked")

            // Reset forgets every token.
            let beforeReset = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            #expect(try await verified(beforeReset) == "ok")
            #expect(try await http.admin(.POST, "/_emulator/v1/reset").status == 200)
            #expect(try await verified(beforeReset) == "The access token malformed")
        }
    }

    @Test("a user edited in the console and a changed friendship show at once in the profile and friendship status")
    func cachedUsersFollowEdits() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let accessToken = try #require(try await Fixture.login(emulator, user: Fixture.cony)["access_token"] as? String)
            #expect(try await http.get("/v2/profile", bearer: accessToken).json["displayName"] as? String == Fixture.cony.displayName)
            let before = try await http.get("/friendship/v1/status", bearer: accessToken).json["friendFlag"] as? Bool

            var fields = [("displayName", "Cony Renamed")]
            if before != true { fields.append(("friend", Seed.messagingChannel.channelID)) }
            let edited = try await ConsoleTests.post(
                emulator,
                "/users/\(Fixture.cony.userID)",
                fields,
                session: try await ConsoleTests.session(emulator)
            )
            #expect(edited.status == 303)

            #expect(try await http.get("/v2/profile", bearer: accessToken).json["displayName"] as? String == "Cony Renamed")
            let after = try await http.get("/friendship/v1/status", bearer: accessToken).json["friendFlag"] as? Bool
            #expect(after == (before != true))
        }
    }

    @Test("the short-lived cap revokes the oldest token even right after it was used")
    func cachedChannelTokensFollowTheCap() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            var tokens: [String] = []
            for _ in 0..<30 {
                tokens.append(try #require(try await ChannelTokenTests.issueShortLived(emulator).json["access_token"] as? String))
            }
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", tokens[0])]).status == 200)
            _ = try await ChannelTokenTests.issueShortLived(emulator)
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", tokens[0])]).status == 400)
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", tokens[1])]).status == 200)
        }
    }

    @Test("RowCache: bounded, remembers absent rows, and never keeps a value read before its key was invalidated")
    func rowCache() throws {
        let cache = RowCache<Int?>(capacity: 3)
        for (index, key) in ["a", "b", "c", "d"].enumerated() {
            cache.store(index, for: key, ifGeneration: cache.generation)
        }
        #expect(cache["a"] == nil)
        #expect(cache["d"] == .some(3))
        cache.store(nil, for: "missing", ifGeneration: cache.generation)
        #expect(cache["missing"] == .some(nil))

        // A reader took the generation, then a writer invalidated the key: what the reader read is not kept.
        let generation = cache.generation
        cache.remove(["d"])
        cache.store(99, for: "d", ifGeneration: generation)
        #expect(cache["d"] == nil)
        // A stale store also drops an entry that was there.
        cache.store(5, for: "d", ifGeneration: generation)
        #expect(cache["d"] == nil)
        // Invalidating one key does not refuse what was read of another (one whose slot is not the same).
        let other = try #require((0..<100).map { "key\($0)" }.first { RowCache<Int?>.slot(of: $0) != RowCache<Int?>.slot(of: "d") })
        cache.store(7, for: other, ifGeneration: generation)
        #expect(cache[other] == .some(7))

        // Removing everything refuses every value read before it.
        let beforeClearing = cache.generation
        cache.removeAll()
        #expect(cache["missing"] == nil)
        cache.store(8, for: other, ifGeneration: beforeClearing)
        #expect(cache[other] == nil)
    }

    @Test("GroupCommitWriter: concurrent writes all commit; a failing write is rolled back alone")
    func groupCommit() async throws {
        let database = try DatabaseQueue()
        try await database.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT NOT NULL)") }
        let writer = GroupCommitWriter(database: database)
        struct Refused: Error {}

        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        try await writer.write { db in
                            try db.execute(sql: "INSERT INTO t (id, value) VALUES (?, 'x')", arguments: [index])
                            if index % 7 == 0 { throw Refused() }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 300 - 43)
        let stored = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
        #expect(stored == 300 - 43)
        let refusedStored = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t WHERE id % 7 = 0") }
        #expect(refusedStored == 0)
        // A write that breaks a constraint is reported to its caller only.
        await #expect(throws: DatabaseError.self) {
            try await writer.write { db in try db.execute(sql: "INSERT INTO t (id, value) VALUES (1, 'again')") }
        }
        #expect(try await writer.write { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 300 - 43)
    }
}
