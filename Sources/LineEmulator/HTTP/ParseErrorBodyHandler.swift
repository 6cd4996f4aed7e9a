import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Gives the bare 400 that Hummingbird answers to a request HTTP cannot parse (a control character in a header, an
/// unknown method) LINE's `{"message"}` body, as every other refusal has. No route saw such a request, so it gets
/// the shape of LINE's Messaging-style endpoints.
final class ParseErrorBodyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private static let body = ByteBuffer(string: #"{"message":"The request could not be parsed as HTTP"}"#)
    /// A request head was read and its answer has not ended yet.
    private var answering = false
    private var rewriting = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { answering = true }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where !answering && head.status == .badRequest && head.headerFields[.contentLength] == "0":
            rewriting = true
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(Self.body.readableBytes)
            head.headerFields[.cacheControl] = "no-store"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where rewriting:
            rewriting = false
            context.write(wrapOutboundOut(.body(Self.body)), promise: nil)
            context.write(data, promise: promise)
        case .end:
            answering = false
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
