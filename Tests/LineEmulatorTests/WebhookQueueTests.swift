import Foundation
import Synchronization
import Testing

@testable import LineEmulator

/// The webhook queue hands out a conversation's deliveries one at a time and in order, and different conversations'
/// side by side, never more than its limit at once.
@Suite("Webhook queue: order per conversation")
struct WebhookQueueTests {
    typealias Conversation = WebhookQueue<Int>.Conversation
    static let brown = Conversation(channelID: "2000000003", userID: "Ubrown")
    static let sally = Conversation(channelID: "2000000003", userID: "Usally")

    @Test("a conversation's next item waits for the one in flight; another conversation's does not")
    func oneAtATimePerConversation() {
        let queue = WebhookQueue<Int>(limit: 4)
        #expect(queue.push(1, conversation: Self.brown))
        #expect(queue.next(finishing: nil)?.item == 1)
        // Brown's 1 is in flight: his 2 is not ready, so no worker is asked for.
        #expect(!queue.push(2, conversation: Self.brown))
        #expect(queue.push(10, conversation: Self.sally))
        #expect(queue.next(finishing: nil)?.item == 10)
        // Sally's worker finishes and finds nothing ready: Brown's 2 still waits for his 1.
        #expect(queue.next(finishing: Self.sally) == nil)
        let next = queue.next(finishing: Self.brown)
        #expect(next?.item == 2 && next?.conversation == Self.brown)
        #expect(queue.next(finishing: Self.brown) == nil)
    }

    @Test("no more than the limit in flight: a finishing worker takes the conversation left waiting")
    func limitIsKept() {
        let queue = WebhookQueue<Int>(limit: 2)
        let third = Conversation(channelID: "2000000003", userID: "Uthird")
        #expect(queue.push(1, conversation: Self.brown))
        #expect(queue.push(2, conversation: Self.sally))
        #expect(!queue.push(3, conversation: third))
        #expect(queue.next(finishing: nil)?.item == 1)
        #expect(queue.next(finishing: nil)?.item == 2)
        #expect(queue.next(finishing: Self.brown)?.item == 3)
        #expect(queue.next(finishing: Self.sally) == nil)
        #expect(queue.next(finishing: third) == nil)
        // Both workers are gone: the next push asks for one again.
        #expect(queue.push(4, conversation: Self.brown))
    }

    /// What workers saw: items per conversation in the order handed out, and the most in flight at once.
    final class Log: Sendable {
        private struct State {
            var handedOut: [Conversation: [Int]] = [:]
            var inFlight: Set<Conversation> = []
            var overlappingConversation = false
            var mostInFlight = 0
        }
        private let state = Mutex(State())

        func begin(_ item: Int, _ conversation: Conversation) {
            state.withLock { state in
                state.handedOut[conversation, default: []].append(item)
                if !state.inFlight.insert(conversation).inserted { state.overlappingConversation = true }
                state.mostInFlight = max(state.mostInFlight, state.inFlight.count)
            }
        }
        func end(_ conversation: Conversation) { _ = state.withLock { $0.inFlight.remove(conversation) } }
        var handedOut: [Conversation: [Int]] { state.withLock { $0.handedOut } }
        var overlappingConversation: Bool { state.withLock { $0.overlappingConversation } }
        var mostInFlight: Int { state.withLock { $0.mostInFlight } }
    }

    /// Numbers items 1, 2, 3… per conversation as it queues them (numbered and pushed under one lock, so the
    /// numbers are the queue order), and keeps the worker tasks it started.
    final class Producers: Sendable {
        private let queue: WebhookQueue<Int>
        private let numbers = Mutex<[Conversation: Int]>([:])
        private let tasks = Mutex<[Task<Void, Never>]>([])

        init(queue: WebhookQueue<Int>) { self.queue = queue }

        /// Queues the conversation's next number; `true` when a worker must be started.
        func push(to conversation: Conversation) -> Bool {
            numbers.withLock { numbers in
                numbers[conversation, default: 0] += 1
                return queue.push(numbers[conversation, default: 0], conversation: conversation)
            }
        }
        func started(_ worker: Task<Void, Never>) { tasks.withLock { $0.append(worker) } }
        var workers: [Task<Void, Never>] { tasks.withLock { $0 } }
    }

    @Test("under concurrency: 20 trials of 8 producers on 6 conversations, workers that pause at random")
    func orderUnderConcurrency() async {
        let conversations = (0..<6).map { Conversation(channelID: "2000000003", userID: "U\($0)") }
        for trial in 0..<20 {
            let queue = WebhookQueue<Int>(limit: 4)
            let log = Log()
            let producers = Producers(queue: queue)
            await withTaskGroup(of: Void.self) { group in
                for producer in 0..<8 {
                    group.addTask {
                        for index in 0..<40 {
                            let conversation = conversations[(producer + index) % conversations.count]
                            if producers.push(to: conversation) {
                                let worker = Task {
                                    var finished: Conversation?
                                    while let (item, conversation) = queue.next(finishing: finished) {
                                        log.begin(item, conversation)
                                        if Bool.random() { try? await Task.sleep(for: .microseconds(Int.random(in: 0...300))) }
                                        log.end(conversation)
                                        finished = conversation
                                    }
                                }
                                producers.started(worker)
                            }
                            if index.isMultiple(of: 7) { await Task.yield() }
                        }
                    }
                }
            }
            // Every worker was started by now; once they end, nothing is left.
            for worker in producers.workers { await worker.value }
            let handedOut = log.handedOut
            #expect(handedOut.values.reduce(0) { $0 + $1.count } == 8 * 40, "trial \(trial)")
            #expect(!log.overlappingConversation, "trial \(trial)")
            #expect(log.mostInFlight <= 4, "trial \(trial)")
            for (conversation, items) in handedOut {
                #expect(items == Array(1...items.count), "trial \(trial), \(conversation.userID)")
            }
        }
    }
}
