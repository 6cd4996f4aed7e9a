import NIOCore
import NIOHTTP1

/// Closes the connection once an HTTP/1.0 request that did not ask for keep-alive is answered (RFC 9112 §9.3):
/// such a client takes the close as the end of the exchange, and the socket would otherwise stay open until the idle
/// timeout. Sits between NIO's HTTP/1 codec and the conversion to HTTP types, which drops the version.
final class HTTP10CloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// For each request read and not yet answered, oldest first: whether the connection must close after its answer.
    private var closeAfter = CircularBuffer<Bool>()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            closeAfter.append(head.version == .http1_0 && !head.isKeepAlive)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where closeAfter.first == true:
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where closeAfter.popFirst() == true:
            let written = promise ?? context.eventLoop.makePromise()
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            context.writeAndFlush(data, promise: written)
        default:
            context.write(data, promise: promise)
        }
    }
}
