import NIOCore

/// Answers a connection over the cap with 503 before reading anything, stops sending, and closes it for good a
/// moment later (closing at once could reset the connection before the client has read the answer).
final class RefusalHandler: ChannelInboundHandler {
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
