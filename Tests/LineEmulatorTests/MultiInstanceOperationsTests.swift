import Foundation
import LineEmulator
import NIOHTTP1
import Testing

/// Fault rules, rate limits and the request log are the platform's, not one instance's (in ``MultiInstanceTests``'s
/// suite, so its pairs of processes run one at a time).
extension MultiInstanceTests {
    /// A short-lived channel access token of the seed's Messaging API channel, issued on `instance`.
    static func shortLivedBotToken(_ instance: RawHTTP) async throws -> String {
        let bot = Seed.messagingChannel
        let issued = try await instance.postForm(
            "/v2/oauth/accessToken",
            [("grant_type", "client_credentials"), ("client_id", bot.channelID), ("client_secret", bot.channelSecret)]
        )
        return try #require(issued.json["access_token"] as? String, "\(issued.status) \(issued.text)")
    }

    @Test(
        "a fault rule added on A fires on B's next request; a counted rule affects exactly its count across both; a delete on B holds on A"
    )
    func faultsShared() async throws {
        try await Self.withTwoInstances { a, b in
            let verify = "/oauth2/v2.1/verify?access_token=unknown"
            #expect(try await b.get(verify).status == 400)
            let added = try await a.postJSON("/_emulator/v1/faults", ["path": "/oauth2/v2.1/verify", "action": "status", "status": 503])
            try #require(added.status == 201, "\(added.text)")
            let id = try #require(added.json["id"] as? String)
            let faulted = try await b.get(verify)
            #expect(faulted.status == 503, "the very next request on B")
            #expect(faulted.json["error"] as? String == "temporarily_unavailable")
            let listed = try await b.get("/_emulator/v1/faults").json["faults"] as? [[String: Any]]
            #expect(listed?.compactMap { $0["id"] as? String } == [id])
            #expect(try await b.admin(.DELETE, "/_emulator/v1/faults/\(id)").status == 204)
            #expect(try await a.get(verify).status == 400, "deleted on B, gone on A's next request")

            for trial in 0..<5 {
                let count = 7 + trial
                let counted = try await b.postJSON(
                    "/_emulator/v1/faults",
                    ["path": "/oauth2/v2.1/verify", "action": "status", "status": 500, "count": count]
                )
                try #require(counted.status == 201)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<30 { group.addTask { try await (index % 2 == 0 ? a : b).get(verify).status } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 500 }.count == count, "trial \(trial): \(statuses.sorted())")
                #expect(statuses.filter { $0 == 400 }.count == 30 - count)
                #expect((try await a.get("/_emulator/v1/faults").json["faults"] as? [Any])?.isEmpty == true, "used up")
            }
        }
    }

    @Test("the request log on either instance shows both instances' requests")
    func requestLogShared() async throws {
        try await Self.withTwoInstances { a, b in
            let onA = try await a.get("/oauth2/v2.1/verify?access_token=from-a")
            let onB = try await b.get("/v2/profile")
            let ids = try [#require(onA.requestID), #require(onB.requestID)]
            for instance in [a, b] {
                // Each instance writes its log in batches, at most 0.2 s after answering; allow a busy machine 10 s.
                let deadline = ContinuousClock.now + .seconds(10)
                var logged: [String] = []
                while ContinuousClock.now < deadline {
                    let entries = try await instance.get("/_emulator/v1/requests").json["requests"] as? [[String: Any]] ?? []
                    logged = entries.compactMap { $0["requestID"] as? String }
                    if ids.allSatisfy(logged.contains) { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(ids.allSatisfy(logged.contains), "\(instance.baseURL): \(logged)")
            }
            let filtered = try await b.get("/_emulator/v1/requests?path=/oauth2/v2.1/verify").json["requests"] as? [[String: Any]]
            #expect(filtered?.count == 1)
            #expect(filtered?.first?["status"] as? Int == 400)
            #expect(try await b.admin(.POST, "/_emulator/v1/reset").status == 200)
            let afterReset = try await a.get("/_emulator/v1/requests?path=/v2/profile").json["requests"] as? [Any]
            #expect(afterReset?.isEmpty == true, "a reset on B empties the log A shows")
        }
    }

    @Test("rate limits are per channel across instances: storms split over both get LINE's rate once, not once per instance")
    func rateLimitShared() async throws {
        try await Self.withTwoInstances { a, b in
            let token = try await Self.shortLivedBotToken(a)
            let body = try JSONSerialization.data(withJSONObject: [
                "to": Fixture.brown.userID, "messages": [["type": "text", "text": "storm"]],
            ])
            let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")]
            let rate = 20.0
            for trial in 0..<5 {
                // Setting the rate (on A) refills the bucket (for both): each trial starts with one second's worth.
                let set = try await a.admin(.PUT, "/_emulator/v1/rate-limits", ["push": rate])
                try #require(set.status == 200)
                #expect(try await b.get("/_emulator/v1/rate-limits").json["push"] as? Double == rate, "the setting is the platform's")
                let started = ContinuousClock.now
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<120 {
                        group.addTask {
                            try await (index % 2 == 0 ? a : b).send(.POST, "/v2/bot/message/push", headers: headers, body: body).status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let accepted = statuses.filter { $0 == 200 }.count
                #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 }, "\(statuses)")
                // A full bucket (20) plus what refilled during the storm, ±10%, plus one lease per instance held back.
                let most = (rate + rate * seconds) * 1.1 + 2
                #expect(Double(accepted) >= rate * 0.9, "trial \(trial): \(accepted) accepted in \(seconds) s")
                #expect(Double(accepted) <= most, "trial \(trial): \(accepted) accepted in \(seconds) s, at most \(most)")
            }
        }
    }
}
