import NIOCore
import Synchronization

/// The deliveries waiting to be sent, in order per conversation: a user's events for one channel are handed out one
/// at a time, in the order they were queued, each only after the previous one is finished. Different conversations
/// are handed out side by side, up to `limit` at once.
///
/// Decision (docs/FIDELITY.md, "Delivery order"): LINE does not promise an order; the emulator keeps each
/// conversation's, so that a bot sees a follow before the message that follows it, as the user did them.
final class WebhookQueue<Item: Sendable>: Sendable {
    /// A channel and the user whose events it receives.
    struct Conversation: Hashable, Sendable {
        var channelID: String
        var userID: String
    }

    private struct State {
        /// Items not yet handed out, per conversation, oldest first.
        var waiting: [Conversation: CircularBuffer<Item>] = [:]
        /// Conversations with waiting items and none in flight, in the order they became ready.
        var ready = CircularBuffer<Conversation>()
        /// Conversations with an item handed out and not yet finished.
        var inFlight: Set<Conversation> = []
        /// Workers running; each takes items until none is ready.
        var workers = 0
    }

    private let state = Mutex(State())
    /// Items in flight at most.
    let limit: Int

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Adds an item; `true` when the caller must start a worker, which calls ``next(finishing:)`` until it returns
    /// `nil`.
    func push(_ item: Item, conversation: Conversation) -> Bool {
        state.withLock { state in
            let isReady = !state.inFlight.contains(conversation) && state.waiting[conversation] == nil
            state.waiting[conversation, default: []].append(item)
            if isReady { state.ready.append(conversation) }
            guard !state.ready.isEmpty, state.workers < limit else { return false }
            state.workers += 1
            return true
        }
    }

    /// Finishes the worker's previous item (if any) and hands out the next ready one; `nil` (and one worker fewer)
    /// when none is ready.
    func next(finishing finished: Conversation?) -> (item: Item, conversation: Conversation)? {
        state.withLock { state in
            if let finished {
                state.inFlight.remove(finished)
                if state.waiting[finished] != nil { state.ready.append(finished) }
            }
            while let conversation = state.ready.popFirst() {
                guard var items = state.waiting.removeValue(forKey: conversation), let item = items.popFirst() else { continue }
                if !items.isEmpty { state.waiting[conversation] = items }
                state.inFlight.insert(conversation)
                return (item, conversation)
            }
            state.workers -= 1
            return nil
        }
    }
}
