import Foundation
import LineEmulator
import Synchronization
import Testing

/// A store may answer channel and user reads from rows it cached (PostgreSQL does), but never with a row older than a
/// read made when the request began: a change acknowledged on one instance is seen by the next request on any other.
@Suite("Cached rows are as fresh as the request, on every backend")
struct RowCacheContractTests {
    @Test("a profile update on B is seen by A's next request, while A's other requests keep reading", arguments: StoreBackend.available)
    func userUpdateIsSeenByTheNextRequest(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            let brown = Fixture.brown
            let stop = Stopper()
            // Readers on A keep refilling its cache with whatever they read, racing the updates on B.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while !stop.isStopped {
                            _ = try await Self.request(on: stores[0]) { try await stores[0].user(id: brown.userID) }
                            _ = try await Self.request(on: stores[0]) { try await stores[0].users() }
                            // A read answered from memory never suspends: leave the threads to the updates.
                            try await Task.sleep(for: .milliseconds(1))
                        }
                    }
                }
                for trial in 0..<25 {
                    var changed = brown
                    changed.displayName = "Brown \(trial)"
                    #expect(try await stores[1].updateUser(changed))
                    let seen = try await Self.request(on: stores[0]) { try await stores[0].user(id: brown.userID) }
                    #expect(seen?.displayName == "Brown \(trial)")
                    let listed = try await Self.request(on: stores[0]) { try await stores[0].users() }
                    #expect(listed.first { $0.userID == brown.userID }?.displayName == "Brown \(trial)")
                }
                stop.stop()
                try await group.waitForAll()
            }
        }
    }

    @Test("a channel cached on A is gone for A's next request after a reset on B", arguments: StoreBackend.available)
    func resetIsSeenByTheNextRequest(backend: StoreBackend) async throws {
        try await backend.withInstances { stores in
            for trial in 0..<10 {
                let id = "29999999\(10 + trial)"
                #expect(try await stores[1].insertChannel(Channel(channelID: id, channelSecret: "s", name: "Extra \(trial)")))
                let cached = try await Self.request(on: stores[0]) { try await stores[0].channel(id: id) }
                #expect(cached?.name == "Extra \(trial)")
                try await stores[1].reset(to: .default)
                #expect(try await Self.request(on: stores[0]) { try await stores[0].channel(id: id) } == nil)
            }
        }
    }

    /// Runs `body` as the emulator serves a request: with the shared state read at its start (none on a store that
    /// shares nothing).
    static func request<Result: Sendable>(
        on store: any EmulatorStore,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let state = try await store.sharedOperations?.operationsState() ?? SharedOperationsState(clockOffset: 0, version: 0)
        return try await SharedOperationsState.$currentRequest.withValue(state) { try await body() }
    }
}

/// A flag the test sets once to end its background loops.
private final class Stopper: Sendable {
    private let flag = Mutex(false)
    var isStopped: Bool { flag.withLock { $0 } }
    func stop() { flag.withLock { $0 = true } }
}
