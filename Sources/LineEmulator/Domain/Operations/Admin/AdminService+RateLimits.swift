import Foundation

/// Per-channel rate limits of LINE's rate-limited endpoints.
extension AdminService {
    /// Every limited endpoint with its rate in requests per second; unlimited ones are absent.
    func rateLimits() async throws -> [RateLimiter.Endpoint: Double] {
        rateLimiter.rates
    }

    /// Sets the rates named (``RateLimiter/Endpoint`` raw values; `nil` lifts the limit). All or nothing: an unknown
    /// name or a rate out of bounds refuses the whole change. Returns the rates in force afterwards.
    func setRateLimits(_ changes: [String: Double?]) async throws -> [RateLimiter.Endpoint: Double] {
        var checked: [(RateLimiter.Endpoint, Double?)] = []
        for (name, rate) in changes.sorted(by: { $0.key < $1.key }) {
            guard let endpoint = RateLimiter.Endpoint(rawValue: name) else {
                let known = RateLimiter.Endpoint.allCases.map(\.rawValue).joined(separator: ", ")
                throw AdminError.invalid("unknown endpoint \(name); known: \(known)")
            }
            guard rate.map(RateLimiter.isAcceptable) ?? true else {
                throw AdminError.invalid("\(name) must be between 0.01 and 1000000 requests per second, or null for no limit")
            }
            checked.append((endpoint, rate))
        }
        for (endpoint, rate) in checked { try await rateLimiter.setRate(rate, for: endpoint) }
        return try await rateLimits()
    }
}
