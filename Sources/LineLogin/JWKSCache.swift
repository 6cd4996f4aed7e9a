import Crypto
import Foundation
import JWTKit
import LineCore

/// LINE's ES256 keys from `/oauth2/v2.1/certs`, cached for every verification of native-app and LIFF ID tokens.
///
/// - Single flight: callers that arrive while a fetch runs wait for that fetch, so a cold cache costs one request
///   however many logins arrive at once.
/// - An unknown `kid` (LINE rotated its keys) fetches the set again, at most once per `unknownKeyRefetchInterval`.
/// - A failed fetch is retried by the next caller once a backoff has passed (doubling from `retryDelay` up to
///   `maximumRetryDelay`); keys already fetched keep serving meanwhile.
/// - Keys older than `maximumAge` are fetched again before use.
public actor JWKSCache {
    /// When the cache fetches again.
    public struct Policy: Sendable {
        /// How long a fetched set is used before it is fetched again.
        public var maximumAge: TimeInterval
        /// The shortest time between two fetches caused by an unknown `kid`.
        public var unknownKeyRefetchInterval: TimeInterval
        /// The wait after a first failed fetch before the next caller retries; it doubles with each failure.
        public var retryDelay: TimeInterval
        /// The longest wait between retries after failed fetches.
        public var maximumRetryDelay: TimeInterval

        /// A policy; by default keys are kept an hour, refetched for an unknown `kid` at most every 10 seconds, and
        /// failed fetches retried after 1 second doubling up to 60.
        public init(
            maximumAge: TimeInterval = 3600,
            unknownKeyRefetchInterval: TimeInterval = 10,
            retryDelay: TimeInterval = 1,
            maximumRetryDelay: TimeInterval = 60
        ) {
            self.maximumAge = maximumAge
            self.unknownKeyRefetchInterval = unknownKeyRefetchInterval
            self.retryDelay = retryDelay
            self.maximumRetryDelay = maximumRetryDelay
        }

        /// A fixed set of keys: never fetched again.
        static let fixed = Policy(maximumAge: .infinity, unknownKeyRefetchInterval: .infinity)
    }

    /// One fetched set: its kids, and jwt-kit's collection of them (with no default key, so an unknown kid can never
    /// fall back to another key).
    private struct KeySet: Sendable {
        var kids: Set<String>
        var collection: JWTKeyCollection
        var fetchedAt: Date
    }

    /// When the cache fetches again.
    public let policy: Policy
    private let fetch: @Sendable () async throws -> [String: ES256PublicKey]
    private var current: KeySet?
    private var inFlight: Task<KeySet, any Error>?
    private var failures = 0
    private var retryNotBefore: Date?
    private var lastError: (any Error)?

    /// A cache fetching `/oauth2/v2.1/certs` through `api` (LINE, or the emulator its endpoints name).
    public init(api: LineAPIClient, policy: Policy = Policy()) {
        self.policy = policy
        fetch = { try await Self.fetchKeys(api) }
    }

    /// A fixed set of keys that is never fetched (offline verification, tests, benchmarks).
    public init(keys: [String: P256.Signing.PublicKey]) {
        policy = .fixed
        let converted = keys.compactMapValues { try? ES256PublicKey(backing: $0) }
        fetch = { converted }
    }

    /// jwt-kit's collection of the current keys when it holds `kid`, fetching as the policy allows; `nil` when the
    /// key is unknown even after that.
    ///
    /// - Throws: the fetch's `LineAPIError` when there are no usable keys to fall back on.
    func keys(containing kid: String, now: Date) async throws -> JWTKeyCollection? {
        if inFlight == nil, let current {
            let age = now.timeIntervalSince(current.fetchedAt)
            if current.kids.contains(kid), age < policy.maximumAge { return current.collection }
            if !current.kids.contains(kid), age < policy.unknownKeyRefetchInterval { return nil }
        }
        do {
            let set = try await refresh(now: now)
            return set.kids.contains(kid) ? set.collection : nil
        } catch {
            if let current, current.kids.contains(kid) { return current.collection }
            throw error
        }
    }

    /// Joins the fetch in flight, or starts one unless a failure's backoff has not passed.
    private func refresh(now: Date) async throws -> KeySet {
        if let inFlight { return try await inFlight.value }
        if let retryNotBefore, now < retryNotBefore, let lastError { throw lastError }
        let fetch = self.fetch
        let task = Task { await Self.makeSet(try await fetch(), fetchedAt: now) }
        inFlight = task
        do {
            let set = try await task.value
            inFlight = nil
            current = set
            failures = 0
            retryNotBefore = nil
            lastError = nil
            return set
        } catch {
            inFlight = nil
            failures += 1
            let delay = min(policy.retryDelay * pow(2, Double(min(failures - 1, 30))), policy.maximumRetryDelay)
            retryNotBefore = now.addingTimeInterval(delay)
            lastError = error
            throw error
        }
    }

    private static func makeSet(_ keys: [String: ES256PublicKey], fetchedAt: Date) async -> KeySet {
        let collection = JWTKeyCollection.lineKit()
        for (kid, key) in keys { await collection.add(ecdsa: key, kid: JWKIdentifier(string: kid), parser: DefaultJWTParser.lineKit) }
        await collection.clearDefault()
        return KeySet(kids: Set(keys.keys), collection: collection, fetchedAt: fetchedAt)
    }

    /// The EC P-256 keys of LINE's JWKS; keys of other types, curves or algorithms, and keys jwt-kit cannot read, are
    /// left out rather than failing the whole set.
    private static func fetchKeys(_ api: LineAPIClient) async throws -> [String: ES256PublicKey] {
        struct Document: Decodable, Sendable {
            struct Entry: Decodable, Sendable {
                var jwk: JWK?
                init(from decoder: any Decoder) throws { jwk = try? JWK(from: decoder) }
            }
            var keys: [Entry]
        }
        let document = try api.decode(Document.self, from: try await api.get("/oauth2/v2.1/certs")).value
        var keys: [String: ES256PublicKey] = [:]
        for case let jwk? in document.keys.map(\.jwk) where jwk.keyType == .ecdsa && jwk.curve == .ecdsa(.p256) {
            guard jwk.algorithm == nil || jwk.algorithm == .es256, let kid = jwk.keyIdentifier?.string, let x = jwk.x, let y = jwk.y,
                let key = try? ES256PublicKey(parameters: (x, y))
            else { continue }
            keys[kid] = key
        }
        return keys
    }
}
