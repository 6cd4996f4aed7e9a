import Foundation
import Synchronization

/// Failures the real LINE Platform cannot be asked for: rules that answer an error, add latency or drop the
/// connection for matching requests, with a probability or for a number of requests.
public final class FaultInjector: Sendable {
    /// What a matching request gets.
    public enum Action: String, Sendable, Codable {
        /// An error status with LINE's body for the endpoint family.
        case status
        /// A delay before the request is handled normally.
        case latency
        /// The connection closes without a complete response.
        case drop
    }

    /// Which requests a fault applies to, and what they get.
    public struct Rule: Sendable, Equatable, Codable {
        /// The rule's ID (`fault-…` when the emulator assigned it), for removing it.
        public var id: String
        /// `GET`, `POST`, …; `nil` matches every method.
        public var method: String?
        /// An exact path, or a prefix ending in `*` (`/oauth2/*`).
        public var path: String
        /// When set, only requests of this channel (its `client_id`, or its channel access token) match.
        public var channelId: String?
        /// What a matching request gets.
        public var action: Action
        /// The status for `.status` (400–599). Default 500.
        public var status: Int?
        /// The delay for `.latency`, in milliseconds (at most 60,000).
        public var latencyMs: Int?
        /// The chance that a matching request is affected, 0–1. Default 1.
        public var probability: Double?
        /// How many more requests to affect; `nil` for no limit. The rule is removed when it reaches 0.
        public var count: Int?

        /// A rule; an empty `id` has one assigned when the rule is added.
        public init(
            id: String = "",
            method: String? = nil,
            path: String,
            channelId: String? = nil,
            action: Action,
            status: Int? = nil,
            latencyMs: Int? = nil,
            probability: Double? = nil,
            count: Int? = nil
        ) {
            self.id = id
            self.method = method
            self.path = path
            self.channelId = channelId
            self.action = action
            self.status = status
            self.latencyMs = latencyMs
            self.probability = probability
            self.count = count
        }

        /// Decodes a rule from the admin API; `id` may be left out (one is assigned).
        ///
        /// - Throws: `DecodingError` when `path` or `action` is missing or a field has the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                id: try container.decodeIfPresent(String.self, forKey: .id) ?? "",
                method: try container.decodeIfPresent(String.self, forKey: .method),
                path: try container.decode(String.self, forKey: .path),
                channelId: try container.decodeIfPresent(String.self, forKey: .channelId),
                action: try container.decode(Action.self, forKey: .action),
                status: try container.decodeIfPresent(Int.self, forKey: .status),
                latencyMs: try container.decodeIfPresent(Int.self, forKey: .latencyMs),
                probability: try container.decodeIfPresent(Double.self, forKey: .probability),
                count: try container.decodeIfPresent(Int.self, forKey: .count)
            )
        }

        func matches(method: String, path: String) -> Bool {
            if let expected = self.method, expected.uppercased() != method { return false }
            if self.path.hasSuffix("*") { return path.hasPrefix(String(self.path.dropLast())) }
            return self.path == path
        }

        /// Checks a rule received over the admin API or the console.
        func validated() throws(AdminError) -> Rule {
            var rule = self
            guard rule.path.hasPrefix("/") else { throw .invalid("path must start with /") }
            guard !rule.path.hasPrefix("/_emulator") else { throw .invalid("the emulator's own API cannot be given faults") }
            if let method = rule.method {
                guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased()) else {
                    throw .invalid("method must be GET, POST, PUT, PATCH or DELETE")
                }
                rule.method = method.uppercased()
            }
            switch rule.action {
            case .status:
                rule.status = rule.status ?? 500
                guard (400...599).contains(rule.status ?? 0) else { throw .invalid("status must be between 400 and 599") }
            case .latency:
                guard let latency = rule.latencyMs, (1...60_000).contains(latency) else {
                    throw .invalid("latencyMs must be between 1 and 60000")
                }
            case .drop:
                break
            }
            if let probability = rule.probability, !(0...1).contains(probability) {
                throw .invalid("probability must be between 0 and 1")
            }
            if let count = rule.count, count < 1 { throw .invalid("count must be at least 1") }
            return rule
        }
    }

    private let rules = Mutex<[Rule]>([])
    /// Where the rules live when several instances share them; `nil` keeps them in this process only.
    private let shared: (any SharedOperationsStore)?

    /// An injector with no rules: every request is handled normally.
    public init() { shared = nil }

    package init(shared: (any SharedOperationsStore)?) { self.shared = shared }

    /// The rules in force (with several instances, as of the last reload, which happens before every request).
    public var all: [Rule] { rules.withLock { $0 } }

    /// Adds a rule (validated; an ID is assigned when it has none) and returns it.
    ///
    /// - Returns: the rule as added, with its ID and defaults filled in.
    /// - Throws: an error whose description says what is wrong (the admin API answers it as 400 in LINE's error
    ///   shape) when the rule is invalid: a path not starting with `/` or under `/_emulator`, an unknown method, a
    ///   status outside 400–599, a latency outside 1–60,000 ms, a probability outside 0–1 or a count below 1; as 409
    ///   when a rule with the same ID exists.
    @discardableResult
    public func add(_ rule: Rule) async throws -> Rule {
        var rule = try rule.validated()
        if rule.id.isEmpty { rule.id = "fault-" + Randomness.alphanumeric(8).lowercased() }
        let added = rule
        if let shared {
            guard try await shared.insertFaultRule(added) else { throw AdminError.conflict("fault \(added.id) already exists") }
        }
        try rules.withLock { rules throws(AdminError) in
            guard !rules.contains(where: { $0.id == added.id }) else {
                if shared != nil { return }  // a reload already brought it
                throw .conflict("fault \(added.id) already exists")
            }
            rules.append(added)
        }
        return added
    }

    /// Removes a rule; `false` when there was none with that ID.
    ///
    /// - Parameter id: the rule's ID.
    /// - Throws: the shared store's error when the emulator shares its state with other instances (PostgreSQL) and the
    ///   store cannot delete the rule; a lone instance never throws.
    @discardableResult
    public func remove(id: String) async throws -> Bool {
        let removedHere = rules.withLock { rules in
            let before = rules.count
            rules.removeAll { $0.id == id }
            return rules.count != before
        }
        guard let shared else { return removedHere }
        return try await shared.deleteFaultRule(id: id)
    }

    /// Removes every rule.
    ///
    /// - Throws: the shared store's error when the emulator shares its state with other instances (PostgreSQL) and the
    ///   store cannot delete the rules; a lone instance never throws.
    public func removeAll() async throws {
        rules.withLock { $0.removeAll() }
        try await shared?.deleteFaultRules()
    }

    /// Replaces the rules with those the shared store holds (a reload after another instance changed them).
    func adopt(_ sharedRules: [Rule]) {
        rules.withLock { $0 = sharedRules }
    }

    /// Whether any rule could apply to `path` (so the caller resolves the channel only when needed).
    func hasRules(for method: String, path: String) -> Bool {
        rules.withLock { $0.contains { $0.matches(method: method, path: path) } }
    }

    /// The rule that fires for this request, if any, using up one of its count (with several instances, in the
    /// shared store, so a rule for `count` requests affects exactly `count` across all of them).
    func fire(method: String, path: String, channelID: String?) async throws -> Rule? {
        guard let shared else { return fireLocally(method: method, path: path, channelID: channelID) }
        for rule in candidates(method: method, path: path, channelID: channelID) {
            if rule.count == nil { return rule }
            if try await shared.consumeFaultRule(id: rule.id) { return rule }
        }
        return nil
    }

    /// The matching rules, in order, that this request's roll of the dice lets fire.
    private func candidates(method: String, path: String, channelID: String?) -> [Rule] {
        rules.withLock { rules in
            rules.filter { rule in
                guard rule.matches(method: method, path: path) else { return false }
                if let expected = rule.channelId, expected != channelID { return false }
                if let probability = rule.probability, probability < 1, Double.random(in: 0..<1) >= probability { return false }
                return true
            }
        }
    }

    private func fireLocally(method: String, path: String, channelID: String?) -> Rule? {
        rules.withLock { rules in
            for index in rules.indices where rules[index].matches(method: method, path: path) {
                let rule = rules[index]
                if let expected = rule.channelId, expected != channelID { continue }
                if let probability = rule.probability, probability < 1, Double.random(in: 0..<1) >= probability { continue }
                if let count = rule.count {
                    if count <= 1 { rules.remove(at: index) } else { rules[index].count = count - 1 }
                }
                return rule
            }
            return nil
        }
    }
}
