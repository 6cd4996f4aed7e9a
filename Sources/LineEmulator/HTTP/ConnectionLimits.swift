import NIOCore

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

    /// Limits; the defaults are those documented on each property.
    public init(maxConnections: Int = 512, idleTimeout: Duration = .seconds(60), requestReadTimeout: Duration = .seconds(30)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.requestReadTimeout = requestReadTimeout
    }
}

extension TimeAmount {
    /// `duration` in nanoseconds, clamped to what a `TimeAmount` holds (about 292 years either way), so a huge
    /// setting means "never" instead of trapping on overflow at startup.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let limit = Int64.max / 1_000_000_000
        guard seconds < limit else {
            self = .nanoseconds(.max)
            return
        }
        guard seconds > -limit else {
            self = .nanoseconds(.min)
            return
        }
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
