import Foundation
import Synchronization
import Testing

@testable import LineEmulatorPostgres

/// The building blocks of the PostgreSQL store's hot path: a read shared by the requests that ask at once, a queue per
/// channel in front of a row lock, and one watchdog for every statement's time limit.
@Suite("PostgreSQL store: coalesced reads, keyed locks, the watchdog")
struct PostgresConcurrencyPrimitiveTests {
    final class Counter: Sendable {
        let value = Mutex(0)

        @discardableResult
        func increment() -> Int {
            value.withLock {
                $0 += 1; return $0
            }
        }
        func decrement() { value.withLock { $0 -= 1 } }
        var current: Int { value.withLock { $0 } }
    }

    @Test("a coalesced read answers every caller with a read that began after it asked, and shares reads under load")
    func coalescedReadIsNeverOlder() async throws {
        for trial in 0..<20 {
            let started = Counter()
            // Each read returns its number, taken as it begins.
            let read = CoalescedRead<Int> {
                let number = started.increment()
                try await Task.sleep(for: .milliseconds(2))
                return number
            }
            let callers = 200
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        let before = started.current
                        let answer = try await read.value()
                        #expect(answer > before, "trial \(trial): answered by read \(answer), \(before) had begun before it asked")
                    }
                }
                try await group.waitForAll()
            }
            #expect(started.current < callers, "trial \(trial): \(started.current) reads for \(callers) callers")
        }
    }

    @Test("a failed coalesced read fails the callers it was for, and the next read is made afresh")
    func coalescedReadFailure() async throws {
        struct Refused: Error {}
        let reads = Counter()
        let read = CoalescedRead<Int> {
            if reads.increment() == 1 { throw Refused() }
            return 7
        }
        await #expect(throws: Refused.self) { try await read.value() }
        #expect(try await read.value() == 7)
    }

    @Test("a caller cancelled while its read is in flight, or while gathering for the next, is answered at once")
    func coalescedReadCancellation() async throws {
        let gate = Gate()
        let started = Counter()
        // The first read waits for the gate, like a statement on a slow database; the later ones do not.
        let read = CoalescedRead<Int> {
            let number = started.increment()
            await gate.wait()
            return number
        }
        // Were cancellation not answered at once, the gate opening after 10 s would end the test with a failure, not
        // a hang.
        let fallback = Task {
            try await Task.sleep(for: .seconds(10))
            gate.open()
        }
        defer { fallback.cancel() }
        let inFlight = Task { try await read.value() }
        while started.current == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let gathering = Task { try await read.value() }
        let staying = Task { try await read.value() }
        try await Task.sleep(for: .milliseconds(50))
        inFlight.cancel()
        gathering.cancel()
        // Both answered while the gate is still shut.
        await #expect(throws: CancellationError.self) { try await inFlight.value }
        await #expect(throws: CancellationError.self) { try await gathering.value }
        gate.open()
        #expect(try await staying.value == 2)
        #expect(started.current == 2)
    }

    @Test("cancellations amid 100 callers: 20 trials; every caller ends, the others are answered by a newer read")
    func coalescedReadCancellationUnderLoad() async throws {
        for trial in 0..<20 {
            let started = Counter()
            let read = CoalescedRead<Int> {
                let number = started.increment()
                try await Task.sleep(for: .microseconds(Int.random(in: 200...2000)))
                return number
            }
            let answered = Counter()
            let cancelled = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    let caller = Task {
                        let before = started.current
                        let answer = try await read.value()
                        #expect(answer > before, "trial \(trial): answered by read \(answer) after \(before) had begun")
                    }
                    group.addTask {
                        if index.isMultiple(of: 2) {
                            try await Task.sleep(for: .microseconds(Int.random(in: 0...3000)))
                            caller.cancel()
                        }
                        do {
                            try await caller.value
                            answered.increment()
                        } catch is CancellationError {
                            cancelled.increment()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(answered.current + cancelled.current == 100, "trial \(trial)")
            #expect(answered.current >= 50, "trial \(trial): a caller that was never cancelled was not answered")
        }
    }

    @Test("a keyed lock lets one task at a time through per key, and other keys meanwhile")
    func keyedLockExcludes() async throws {
        let lock = KeyedAsyncLock()
        let keys = ["a", "b", "c"]
        let inside = keys.map { _ in Counter() }
        let most = keys.map { _ in Counter() }
        let together = Counter()
        let mostTogether = Counter()
        for _ in 0..<10 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    let key = index % keys.count
                    group.addTask {
                        try await lock.withLock(keys[key]) {
                            let now = inside[key].increment()
                            most[key].value.withLock { $0 = max($0, now) }
                            let all = together.increment()
                            mostTogether.value.withLock { $0 = max($0, all) }
                            try await Task.sleep(for: .microseconds(200))
                            together.decrement()
                            inside[key].decrement()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        for key in keys.indices { #expect(most[key].current == 1, "key \(keys[key])") }
        #expect(mostTogether.current > 1, "different keys never held at once")
    }

    @Test("a waiter cancelled in a keyed lock's queue leaves it: it throws, and the key goes to the next")
    func keyedLockCancellation() async throws {
        let lock = KeyedAsyncLock()
        let release = AsyncStream<Void>.makeStream()
        let holding = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await lock.withLock("channel") {
                holding.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in holding.stream { break }
        let waiter = Task { try await lock.withLock("channel") { "the cancelled waiter got the key" } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        let next = Task { try await lock.withLock("channel") { "next" } }
        release.continuation.yield()
        try await holder.value
        #expect(try await next.value == "next")
        // Free again: taken at once.
        #expect(try await lock.withLock("channel") { 1 } == 1)
    }

    /// A wait that only `open()` ends: cancellation does not.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.open { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }

        func open() {
            let waiter = state.withLock { state in
                state.open = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    @Test("the watchdog answers at the limit a body that ignores cancellation, and cancels it")
    func watchdogTimesOut() async throws {
        let watchdog = OperationWatchdog()
        let gate = Gate()
        let ended = Gate()
        let sawCancellation = Counter()
        let began = ContinuousClock.now
        await #expect(throws: TimeoutError.self) {
            try await watchdog.run(limit: .milliseconds(200)) {
                // Like a query on a connection the database dropped: it ends only when the gate opens.
                await gate.wait()
                if Task.isCancelled { sawCancellation.increment() }
                ended.open()
            }
        }
        let waited = ContinuousClock.now - began
        #expect(waited >= .milliseconds(200) && waited < .seconds(10), "answered after \(waited)")
        gate.open()
        await ended.wait()
        #expect(sawCancellation.current == 1)
    }

    @Test("the watchdog returns what a body in time returns, and what it throws")
    func watchdogPassesThrough() async throws {
        struct Failed: Error {}
        let watchdog = OperationWatchdog()
        #expect(try await watchdog.run(limit: .seconds(30)) { 42 } == 42)
        await #expect(throws: Failed.self) { try await watchdog.run(limit: .seconds(30)) { throw Failed() } }
    }
}
