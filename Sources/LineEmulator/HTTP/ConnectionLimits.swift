import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// How long and how many connections the emulator keeps, so idle, slow or abandoned clients cannot use up its
/// file descriptors (`Emulator.Configuration.connectionLimits`).
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once; more are answered 503 `{"message": …}` and closed. Default 512 (well under the
    /// usual limit of 1,024 file descriptors, which the database and logs share).
    public var maxConnections: Int
    /// How long a connection may wait for the next request, or for the rest of a request's head. Default 60 s.
    public var idleTimeout: Duration
    /// How long a client may take to send a request's body once its head arrived. Default 30 s.
    public var requestReadTimeout: Duration

    public init(maxConnections: Int = 512, idleTimeout: Duration = .seconds(60), requestReadTimeout: Duration = .seconds(30)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.requestReadTimeout = requestReadTimeout
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// HTTP/1 connections with the emulator's limits: a cap on open connections, Hummingbird's idle timeout, and
/// `RequestDeadlineHandler` for slow bodies and early answers.
struct LimitedHTTP1Channel: ServerChildChannel {
    enum Value: ServerChildChannelValue {
        case serve(HTTP1Channel.Value)
        /// Over the cap: answered 503 and closing.
        case refused(any NIOCore.Channel)

        var channel: any NIOCore.Channel {
            switch self {
            case .serve(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    private let http: HTTP1Channel
    private let counter: ConnectionCounter

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, logger: Logger) {
        let readTimeout = TimeAmount(limits.requestReadTimeout)
        http = HTTP1Channel(
            responder: responder,
            configuration: .init(
                additionalChannelHandlers: [RequestDeadlineHandler(readTimeout: readTimeout, logger: logger), ParseErrorBodyHandler()],
                idleTimeout: TimeAmount(limits.idleTimeout)
            )
        )
        counter = ConnectionCounter(limit: limits.maxConnections, logger: logger)
    }

    func setup(channel: any NIOCore.Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard counter.open() else {
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefusalHandler())
                return .refused(channel)
            }
        }
        channel.closeFuture.whenComplete { [counter] _ in counter.close() }
        return http.setup(channel: channel, logger: logger).map { .serve($0) }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .serve(let channel): await http.handle(value: channel, logger: logger)
        case .refused(let channel): try? await channel.closeFuture.get()
        }
    }
}

/// Answers a connection over the cap with 503 before reading anything, stops sending, and closes it for good a
/// moment later (closing at once could reset the connection before the client has read the answer).
private final class RefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private static let body = #"{"message":"The emulator has too many open connections; try again later (see --max-connections)"}"#
    private static let response =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nRetry-After: 1\r\n"
        + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    private var answered = false

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context)
        context.fireChannelActive()
    }

    /// What the client sends is dropped.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func answer(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(string: Self.response))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }
}

/// Counts open connections against the cap, and logs refusals (at most one line a second, with how many).
final class ConnectionCounter: Sendable {
    private struct State {
        var open = 0
        var refusedSinceLog = 0
        var lastLog = ContinuousClock.Instant.now - .seconds(2)
    }

    private let limit: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Counts a new connection; `false` (and nothing counted) when the cap is reached.
    func open() -> Bool {
        let (accepted, refusedToReport) = state.withLockedValue { state -> (Bool, Int?) in
            if state.open < limit {
                state.open += 1
                return (true, nil)
            }
            state.refusedSinceLog += 1
            let now = ContinuousClock.now
            guard now - state.lastLog >= .seconds(1) else { return (false, nil) }
            defer { state.refusedSinceLog = 0 }
            state.lastLog = now
            return (false, state.refusedSinceLog)
        }
        if let refusedToReport {
            logger.warning(
                "refused \(refusedToReport) connection(s) with 503: \(limit) are open, the limit (--max-connections)"
            )
        }
        return accepted
    }

    func close() {
        state.withLockedValue { $0.open -= 1 }
    }
}

/// Closes a connection whose client takes longer than `readTimeout` to send a request's body, and closes a
/// connection completely once an answer went out before its request was read to the end (an early 413, a 400 for
/// a broken body): the rest of that request can only be dropped, and keeping a half-closed socket would let a client
/// hold it for ever. The connection stops sending at once and is closed `linger` later.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let readTimeout: TimeAmount
    private let logger: Logger
    private var deadline: Scheduled<Void>?
    private var readingRequest = false
    private var closing = false

    init(readTimeout: TimeAmount, logger: Logger) {
        self.readTimeout = readTimeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            let channel = context.channel
            let logger = logger
            deadline = context.eventLoop.scheduleTask(in: readTimeout) {
                logger.notice("closed a connection whose request body was not sent in time (request read timeout)")
                channel.close(promise: nil)
            }
        case .body:
            break
        case .end:
            readingRequest = false
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closing else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard case .end = unwrapOutboundIn(data), readingRequest else {
            context.write(data, promise: promise)
            return
        }
        closing = true
        deadline?.cancel()
        deadline = nil
        // Stop sending first and close a moment later: closing with unread bytes at once resets the connection, and
        // the client could lose the answer.
        context.writeAndFlush(data, promise: promise)
        context.close(mode: .output, promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.linger) { channel.close(promise: nil) }
    }

    /// How long a connection answered early keeps reading (and dropping) before it is closed.
    static let linger: TimeAmount = .seconds(1)

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
