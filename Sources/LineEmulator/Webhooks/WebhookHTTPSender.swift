import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs webhooks with AsyncHTTPClient, as LINE does: no redirects followed, the answer's status and the start of its
/// body kept, a timeout over the whole exchange.
struct WebhookHTTPSender: WebhookSending {
    /// One client for the process, never shut down (it lives as long as the process).
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
    )

    func send(url: String, body: Data, headers: [(String, String)], timeout: Duration) async -> WebhookAttempt {
        let started = ContinuousClock.now
        func elapsed() -> Int {
            let duration = ContinuousClock.now - started
            return Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let limit = TimeAmount.nanoseconds(
            Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        )
        do {
            let response = try await Self.client.execute(request, timeout: limit)
            var excerpt = ByteBuffer()
            for try await chunk in response.body {
                var chunk = chunk
                let room = WebhookDelivery.excerptLimit - excerpt.readableBytes
                if room > 0 { excerpt.writeBuffer(&chunk) }
                if excerpt.readableBytes >= WebhookDelivery.excerptLimit { break }
            }
            let text = String(decoding: excerpt.readableBytesView.prefix(WebhookDelivery.excerptLimit), as: UTF8.self)
            return WebhookAttempt(statusCode: Int(response.status.code), latencyMilliseconds: elapsed(), responseExcerpt: text, error: nil)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return WebhookAttempt(statusCode: nil, latencyMilliseconds: elapsed(), responseExcerpt: nil, error: "timed out", timedOut: true)
        } catch {
            return WebhookAttempt(statusCode: nil, latencyMilliseconds: elapsed(), responseExcerpt: nil, error: String(describing: error))
        }
    }
}
