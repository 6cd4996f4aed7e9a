import Foundation
import HTTPTypes
import LineCore
import Synchronization
import Testing

@Suite("Client-side rate caps per endpoint family")
struct RequestLimiterTests {
    static func request(_ path: String, method: HTTPRequest.Method = .post, bearer: String = "token-a") -> LineHTTPRequest {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(bearer)"
        return LineHTTPRequest(method: method, url: URL(string: "https://api.line.me" + path)!, headers: headers)
    }

    @Test(
        "requests are grouped by LINE's rate-limit families",
        arguments: [
            (HTTPRequest.Method.post, "/v2/bot/message/push", EndpointFamily.push),
            (.post, "/v2/bot/message/reply", .reply),
            (.post, "/v2/bot/message/multicast", .multicast),
            (.post, "/v2/bot/message/broadcast", .broadcast),
            (.post, "/v2/bot/message/narrowcast", .narrowcast),
            (.post, "/v2/oauth/accessToken", .shortLivedTokenIssue),
            (.get, "/v2/bot/info", .otherMessaging),
            (.post, "/oauth2/v2.1/token", .unlisted),
            (.get, "/v2/profile", .unlisted),
        ]
    )
    func families(method: HTTPRequest.Method, path: String, family: EndpointFamily) {
        #expect(EndpointFamily(method: method, path: path) == family)
    }

    @Test("the defaults are LINE's documented rates, never lower")
    func defaults() {
        let limits = RateLimits.line
        #expect(limits[.push] == .perSecond(2000) && limits[.reply] == .perSecond(2000))
        #expect(limits[.otherMessaging] == .perSecond(2000) && limits[.multicast] == .perSecond(200))
        #expect(limits[.broadcast] == .perHour(60) && limits[.narrowcast] == .perHour(60))
        #expect(limits[.shortLivedTokenIssue] == .perSecond(370))
        #expect(limits[.unlisted] == nil && limits.maximumConcurrent == nil)
    }

    @Test("a default limiter lets 2,000 pushes through at once: no 100/s cap")
    func defaultPushBurst() async throws {
        let limiter = RequestLimiter()
        for _ in 0..<2000 { _ = try await limiter.run(Self.request("/v2/bot/message/push")) { 1 } }
        // The old default (a burst of 100, then 100/s) held 1,900 of these back, for 19 seconds.
        #expect(await limiter.delayedRequests == 0)
    }

    @Test("the 61st broadcast of the hour is refused at once; other families and other channels are not held back")
    func broadcastPerHour() async throws {
        let limiter = RequestLimiter(limits: RateLimits(perFamily: RateLimits.line.perFamily, maximumWait: .seconds(5)))
        for _ in 0..<60 { _ = try await limiter.run(Self.request("/v2/bot/message/broadcast")) { 1 } }
        let started = ContinuousClock.now
        await #expect(throws: LineAPIError(code: .rateCapExceeded)) {
            try await limiter.run(Self.request("/v2/bot/message/broadcast")) { 1 }
        }
        #expect(ContinuousClock.now - started < .seconds(4), "refused at once, not after waiting out maximumWait (5 s)")
        _ = try await limiter.run(Self.request("/v2/bot/message/push")) { 1 }
        _ = try await limiter.run(Self.request("/v2/bot/message/broadcast", bearer: "another-channel")) { 1 }
    }

    @Test("a configured rate is kept: 5 per second makes the 6th request wait about 200 ms")
    func configuredRate() async throws {
        var limits = RateLimits.line
        limits[.push] = .perSecond(5)
        let limiter = RequestLimiter(limits: limits)
        for _ in 0..<5 { _ = try await limiter.run(Self.request("/v2/bot/message/push")) { 1 } }
        let started = ContinuousClock.now
        _ = try await limiter.run(Self.request("/v2/bot/message/push")) { 1 }
        #expect(ContinuousClock.now - started >= .milliseconds(150))
        #expect(await limiter.delayedRequests == 1)
    }

    @Test("an optional cap on requests in flight holds")
    func concurrency() async throws {
        let limiter = RequestLimiter(limits: RateLimits(perFamily: [:], maximumConcurrent: 2))
        final class Gauge: Sendable { let state = Mutex((active: 0, peak: 0)) }
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await limiter.run(Self.request("/v2/bot/message/push")) {
                        gauge.state.withLock {
                            $0.active += 1
                            $0.peak = max($0.peak, $0.active)
                        }
                        try await Task.sleep(for: .milliseconds(2))
                        gauge.state.withLock { $0.active -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(gauge.state.withLock { $0.peak } <= 2)
    }
}
