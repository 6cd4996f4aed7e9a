import Hummingbird
import NIOCore

/// The request context of every emulator route: the remote address (for the loopback-only admin API) and the
/// `x-line-request-id` given to the request.
public struct EmulatorRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The `x-line-request-id` of this request: 16 lowercase hexadecimal digits.
    public var requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.requestID = Randomness.requestID()
    }

    /// LINE's limit: bodies over 2 MB are answered with 413.
    public var maxUploadSize: Int { 2 * 1024 * 1024 }
}
