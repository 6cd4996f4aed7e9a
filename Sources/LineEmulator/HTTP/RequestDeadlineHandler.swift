import Logging
import NIOCore
import NIOHTTPTypes

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
    /// Request heads read, and whether the latest request's body is still arriving.
    private var requestsStarted = 0
    private var readingRequest = false
    /// Responses ended: the next response to end answers request number `responsesEnded + 1`.
    private var responsesEnded = 0
    private var closing = false

    init(readTimeout: TimeAmount, logger: Logger) {
        self.readTimeout = readTimeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsStarted += 1
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
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        responsesEnded += 1
        // Early only when this response answers the request still being read: with pipelining, the request being
        // read may be a later one, whose answer is still to come.
        guard readingRequest, responsesEnded == requestsStarted else {
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
