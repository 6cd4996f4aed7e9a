import Synchronization

/// The authorization codes this instance issued lately, so that a token request for one needs no read of it.
///
/// A code's fields never change once issued; what can change is whether it was redeemed (here or on another instance)
/// or deleted (a deauthorize, a reset), and the redemption itself finds that out, atomically. So a code taken from here
/// that passes every check is redeemed without reading it first; any other request reads it from the store as before,
/// which keeps the order of the checks (a replay is detected, and its grant revoked, before the other checks).
/// Each code is taken once; the oldest are forgotten beyond ``capacity`` (logins abandoned before the token request).
final class IssuedCodes: Sendable {
    static let capacity = 10_000

    private struct State {
        var codes: [String: AuthorizationCode] = [:]
        /// Insertion order, for forgetting the oldest; may name codes taken already.
        var order: [String] = []
        var start = 0
    }

    private let state = Mutex(State())

    /// Remembers `code`, just stored.
    func remember(_ code: AuthorizationCode) {
        state.withLock { state in
            state.codes[code.code] = code
            state.order.append(code.code)
            while state.codes.count > Self.capacity, state.start < state.order.count {
                state.codes[state.order[state.start]] = nil
                state.start += 1
            }
            // Drop the consumed prefix now and then, so the order does not grow for ever.
            if state.start > Self.capacity {
                state.order.removeFirst(state.start)
                state.start = 0
            }
        }
    }

    /// The code, if this instance issued it lately and has not handed it out since; forgotten from here on.
    func take(_ code: String) -> AuthorizationCode? {
        state.withLock { $0.codes.removeValue(forKey: code) }
    }
}
