import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1 connections with the emulator's limits: a cap on open connections, Hummingbird's idle timeout,
/// `RequestDeadlineHandler` for slow bodies and early answers, and `HTTP10CloseHandler` for HTTP/1.0 clients.
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
        return http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(HTTP10CloseHandler(), position: .after(decoder))
            return .serve(value)
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .serve(let channel): await http.handle(value: channel, logger: logger)
        case .refused(let channel): try? await channel.closeFuture.get()
        }
    }
}
