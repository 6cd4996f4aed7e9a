import AsyncHTTPClient
import Foundation
import LineEmulatorTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// A response as the wire gave it: tests assert raw status codes, headers and JSON field names.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var requestID: String? { headers.first(name: "x-line-request-id") }
    var location: String? { headers.first(name: "Location") }

    /// The query parameters of the `Location` header, form-decoded (`+` is a space, as in LINE's callbacks).
    var locationQuery: [String: String] {
        guard let location, let url = URL(string: location) else { return [:] }
        return Fixture.parameters(of: url)
    }
}

/// Raw HTTP against a test emulator, never following redirects.
struct RawHTTP {
    /// Waits up to a minute for a pooled connection: the 100-request storms of several suites running at once on a
    /// busy 2-core machine queue for the pool longer than the default 10 s.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(60)))
    )

    let baseURL: URL

    init(_ emulator: TestEmulator) {
        baseURL = emulator.baseURL
    }

    init(baseURL: URL) {
        self.baseURL = baseURL
    }

    func send(
        _ method: HTTPMethod,
        _ path: String,
        headers: [(String, String)] = [],
        body: Data? = nil
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 8 * 1024 * 1024)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }

    func get(_ path: String, bearer: String? = nil, headers: [(String, String)] = []) async throws -> RawResponse {
        try await send(.GET, path, headers: headers + (bearer.map { [("Authorization", "Bearer \($0)")] } ?? []))
    }

    /// POSTs an `application/x-www-form-urlencoded` body.
    func postForm(_ path: String, _ fields: [(String, String)], bearer: String? = nil) async throws -> RawResponse {
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        return try await send(.POST, path, headers: headers, body: Data(body.utf8))
    }

    func postJSON(_ path: String, _ object: Any, bearer: String? = nil) async throws -> RawResponse {
        var headers = [("Content-Type", "application/json")]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        return try await send(.POST, path, headers: headers, body: try JSONSerialization.data(withJSONObject: object))
    }

    /// An admin API request as every client must send one that changes state: `Content-Type: application/json`, with
    /// or without a body (docs/SECURITY.md).
    func admin(_ method: HTTPMethod, _ path: String, _ object: Any? = nil, headers: [(String, String)] = []) async throws -> RawResponse {
        let body = try object.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await send(method, path, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func query(_ fields: [(String, String)]) -> String {
        fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}

/// A raw TCP connection to a test emulator, for what no HTTP client sends (no `Host`, broken chunking, odd framing)
/// and for slow clients. Bytes go out as given; everything the server sends is kept until it closes.
final class RawSocket: Sendable {
    private let channel: any Channel
    private let collector: NIOLoopBound<Collector>
    private let closed: EventLoopFuture<Void>
    private let ended: EventLoopFuture<Void>

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var received = ByteBuffer()
        let closed: EventLoopPromise<Void>
        let ended: EventLoopPromise<Void>

        init(closed: EventLoopPromise<Void>, ended: EventLoopPromise<Void>) {
            self.closed = closed
            self.ended = ended
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .inputClosed = event as? ChannelEvent { ended.succeed() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.writeBuffer(&buffer)
        }

        func channelInactive(context: ChannelHandlerContext) {
            ended.succeed()
            closed.succeed()
            context.fireChannelInactive()
        }
    }

    private init(channel: any Channel, collector: NIOLoopBound<Collector>, closed: EventLoopFuture<Void>, ended: EventLoopFuture<Void>) {
        self.channel = channel
        self.collector = collector
        self.closed = closed
        self.ended = ended
    }

    static func connect(port: Int) async throws -> RawSocket {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let closed = eventLoop.makePromise(of: Void.self)
        let ended = eventLoop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(closed: closed, ended: ended))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let collector = try await channel.pipeline.handler(type: Collector.self).map { NIOLoopBound($0, eventLoop: eventLoop) }.get()
        return RawSocket(channel: channel, collector: collector, closed: closed.futureResult, ended: ended.futureResult)
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Waits until the server stops sending (it closed the connection or its sending half) or `timeout` passes;
    /// `true` if it stopped.
    func waitForEnd(timeout: Duration) async -> Bool { await wait(for: ended, timeout: timeout) }

    /// Waits until the connection is closed completely (a server that only half-closed it still accepts bytes; one
    /// that closed it resets the connection on the next bytes sent) or `timeout` passes; `true` if it closed.
    func waitForClose(timeout: Duration) async -> Bool { await wait(for: closed, timeout: timeout) }

    /// Whether the server closed the connection completely within `timeout`: it stopped sending, and bytes sent
    /// after that are refused (a half-closed connection would go on taking them).
    func closedByServer(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        guard await waitForEnd(timeout: timeout) else { return false }
        while ContinuousClock.now < deadline {
            try? await send(Array(repeating: UInt8(ascii: "x"), count: 1024))
            if await waitForClose(timeout: .milliseconds(100)) { return true }
        }
        return false
    }

    private func wait(for closed: EventLoopFuture<Void>, timeout: Duration) async -> Bool {
        let eventLoop = channel.eventLoop
        let nanoseconds = Int64(timeout.components.seconds) * 1_000_000_000 + Int64(timeout.components.attoseconds / 1_000_000_000)
        let outcome = try? await eventLoop.flatSubmit {
            let promise = eventLoop.makePromise(of: Bool.self)
            let decided = NIOLoopBoundBox(false, eventLoop: eventLoop)
            let timer = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                if !decided.value { decided.value = true; promise.succeed(false) }
            }
            closed.whenComplete { _ in
                timer.cancel()
                if !decided.value { decided.value = true; promise.succeed(true) }
            }
            return promise.futureResult
        }.get()
        return outcome ?? false
    }

    /// What the server has sent so far.
    var received: String {
        get async throws {
            let collector = self.collector
            return try await channel.eventLoop.submit { String(buffer: collector.value.received) }.get()
        }
    }

    /// The status code of the first response received, if one has arrived.
    var status: Int? {
        get async throws {
            let text = try await received
            guard text.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
    }

    /// Sends one request and waits for the server to answer and stop sending (send `Connection: close`); `nil` if it
    /// did not within `timeout`.
    static func exchange(port: Int, _ request: [UInt8], timeout: Duration = .seconds(10)) async throws -> RawReply? {
        let socket = try await connect(port: port)
        defer { socket.close() }
        try? await socket.send(request)
        guard await socket.waitForEnd(timeout: timeout) else { return nil }
        return RawReply(try await socket.received)
    }

    func close() { channel.close(promise: nil) }
}

/// A response read off a raw socket: status, header fields and body, no decoding of chunking.
struct RawReply {
    var status: Int
    var head: String
    var body: String

    init?(_ text: String) {
        guard text.hasPrefix("HTTP/1."), let status = Int(text.dropFirst(9).prefix(3)) else { return nil }
        self.status = status
        let parts = text.components(separatedBy: "\r\n\r\n")
        head = parts[0]
        body = parts.dropFirst().joined(separator: "\r\n\r\n")
    }

    /// The body's JSON object, with a chunked body's framing removed when there is one.
    var json: [String: Any] {
        let start = body.firstIndex(of: "{")
        let end = body.lastIndex(of: "}")
        guard let start, let end, start <= end else { return [:] }
        return ((try? JSONSerialization.jsonObject(with: Data(body[start...end].utf8))) as? [String: Any]) ?? [:]
    }

    /// The first value of a header field (case-insensitive name).
    func header(_ name: String) -> String? {
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
