import AsyncHTTPClient
import Foundation
import LineCore
import LineEmulator
import LineEmulatorTesting
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The SDK pointed at a test emulator, plus access to the emulator's admin API for setting up and checking.
struct Harness {
    let emulator: TestEmulator
    let api: LineAPIClient
    static let bot = Seed.messagingChannel

    init(_ emulator: TestEmulator, sleeper: any RetrySleeper = TaskSleeper(), retryPolicy: RetryPolicy = RetryPolicy()) {
        self.emulator = emulator
        // Every suite runs in one process over HTTPClient.shared: at most 32 of a harness's requests in flight, so one
        // test's 200-push storm does not leave another suite's requests waiting out the shared pool's timeout.
        let limits = RateLimits(perFamily: RateLimits.line.perFamily, maximumConcurrent: 32)
        api = LineAPIClient(
            configuration: .init(
                endpoints: .emulator(emulator.baseURL),
                retryPolicy: retryPolicy,
                sleeper: sleeper,
                limiter: RequestLimiter(limits: limits)
            )
        )
    }

    /// A JSON request to the emulator's admin API (`Content-Type: application/json` on every one, as the admin API
    /// requires of requests that change state, even without a body).
    func admin(_ method: HTTPMethod, _ path: String, _ body: Any? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: emulator.baseURL.absoluteString + "/_emulator/v1" + path)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 4 << 20)
        try #require(response.status.code < 300, "\(path): \(response.status) \(String(buffer: buffer))")
        return ((try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any]) ?? [:]
    }

    /// How many requests the emulator answered on a path (from its request log).
    func requestCount(_ path: String) async throws -> Int {
        let log = try await admin(.GET, "/requests?path=\(path)&limit=1000")
        return (log["requests"] as? [[String: Any]])?.filter { $0["path"] as? String == path }.count ?? 0
    }
}

/// Records the waits it is asked for and returns at once: retry tests do not sleep.
final class RecordingSleeper: RetrySleeper {
    private let recorded = Mutex<[Duration]>([])
    var delays: [Duration] { recorded.withLock { $0 } }
    func sleep(for duration: Duration) async throws { recorded.withLock { $0.append(duration) } }
}
