import Hummingbird
import NIOCore

/// The request context of every emulator route: the remote address (for the loopback-only admin API) and the
/// `x-line-request-id` given to the request.
public struct EmulatorRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection, asked for its remote address only by the routes that check it (reading the address takes the
    /// channel's lock, which every request paid for when it was read up front).
    private let channel: any NIOCore.Channel
    /// The `x-line-request-id` of this request: 16 lowercase hexadecimal digits, or a UUID on the Messaging API
    /// (`RequestIDMiddleware`).
    public var requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = Randomness.requestID()
    }

    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// `http://address:port` of the socket the client connected to (IPv6 in brackets).
    var localBaseURL: String {
        guard let address = channel.localAddress, let ip = address.ipAddress, let port = address.port else { return "http://127.0.0.1" }
        if case .v6 = address { return "http://[\(ip)]:\(port)" }
        return "http://\(ip):\(port)"
    }

    /// LINE's limit: bodies over 2 MB are answered with 413.
    public var maxUploadSize: Int { 2 * 1024 * 1024 }
}
