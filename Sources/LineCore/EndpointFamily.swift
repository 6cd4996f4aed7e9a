import HTTPTypes

/// A group of LINE endpoints that share one rate limit at LINE (LINE's *Rate limits*: per channel, per endpoint).
/// Extensible: ``init(_:)`` names a family of your own for ``RateLimits/perFamily``.
public struct EndpointFamily: Sendable, Hashable, CustomStringConvertible {
    /// The family's name, for logs and errors.
    public let name: String

    /// A family.
    ///
    /// - Parameter name: its name, for logs and errors.
    public init(_ name: String) { self.name = name }

    /// `POST /v2/bot/message/push`: 2,000 requests per second at LINE.
    public static let push = EndpointFamily("push")
    /// `POST /v2/bot/message/reply`: 2,000 requests per second at LINE.
    public static let reply = EndpointFamily("reply")
    /// `POST /v2/bot/message/multicast`: 200 requests per second at LINE.
    public static let multicast = EndpointFamily("multicast")
    /// `POST /v2/bot/message/broadcast`: 60 requests per hour at LINE.
    public static let broadcast = EndpointFamily("broadcast")
    /// `POST /v2/bot/message/narrowcast`: 60 requests per hour at LINE.
    public static let narrowcast = EndpointFamily("narrowcast")
    /// `POST /v2/oauth/accessToken` (issuing a short-lived channel access token; LINE Login v2.0's token endpoint
    /// shares the path): 370 requests per second at LINE.
    public static let shortLivedTokenIssue = EndpointFamily("shortLivedTokenIssue")
    /// Every other Messaging API endpoint (`/v2/bot/…`): 2,000 requests per second at LINE.
    public static let otherMessaging = EndpointFamily("otherMessaging")
    /// Everything else (LINE Login, the v2.1 and stateless token endpoints): LINE publishes no figure.
    public static let unlisted = EndpointFamily("unlisted")

    /// The family of a request to LINE, from its method and path.
    ///
    /// - Parameters:
    ///   - method: the request's method.
    ///   - path: the URL's path, without the query.
    public init(method: HTTPRequest.Method, path: String) {
        switch (method, path) {
        case (.post, "/v2/bot/message/push"): self = .push
        case (.post, "/v2/bot/message/reply"): self = .reply
        case (.post, "/v2/bot/message/multicast"): self = .multicast
        case (.post, "/v2/bot/message/broadcast"): self = .broadcast
        case (.post, "/v2/bot/message/narrowcast"): self = .narrowcast
        case (.post, "/v2/oauth/accessToken"): self = .shortLivedTokenIssue
        case (_, let path) where path.hasPrefix("/v2/bot/"): self = .otherMessaging
        default: self = .unlisted
        }
    }

    /// The family's name.
    public var description: String { name }
}

/// A number of requests per interval.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    /// How many requests…
    public var requests: Int
    /// …per this long.
    public var interval: Duration

    /// A rate.
    ///
    /// - Parameters:
    ///   - requests: how many requests (at least 1).
    ///   - interval: per this long.
    public init(requests: Int, per interval: Duration) {
        self.requests = max(1, requests)
        self.interval = interval
    }

    /// `requests` per second.
    ///
    /// - Parameter requests: how many requests per second.
    public static func perSecond(_ requests: Int) -> Rate { Rate(requests: requests, per: .seconds(1)) }

    /// `requests` per hour.
    ///
    /// - Parameter requests: how many requests per hour.
    public static func perHour(_ requests: Int) -> Rate { Rate(requests: requests, per: .seconds(3600)) }

    /// Requests per second, as a fraction.
    var perSecondValue: Double {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        return Double(requests) / max(seconds, 1e-9)
    }

    /// "`requests` per `interval`", for logs and errors.
    public var description: String { "\(requests) per \(interval)" }
}

/// The client-side caps a ``RequestLimiter`` keeps: a rate per endpoint family, counted per channel (LINE counts per
/// channel too), so an app never sends faster than LINE accepts by accident, and is never held below what LINE allows.
///
/// ```swift
/// var limits = RateLimits.line          // LINE's documented rates
/// limits[.push] = .perSecond(500)       // stay well below them
/// limits[.broadcast] = nil              // or no cap at all
/// ```
public struct RateLimits: Sendable {
    /// The cap of each family; a family without an entry has none.
    public var perFamily: [EndpointFamily: Rate]
    /// Requests in flight at once, across families; `nil` (the default) for no cap beyond the transport's own pool.
    public var maximumConcurrent: Int?
    /// The longest a request waits for its turn; one that would wait longer fails at once with
    /// `LineAPIError.Code.rateCapExceeded`. Default 30 seconds.
    public var maximumWait: Duration

    /// Caps.
    ///
    /// - Parameters:
    ///   - perFamily: the cap of each family; a family without an entry has none.
    ///   - maximumConcurrent: requests in flight at once; `nil` for no cap.
    ///   - maximumWait: the longest a request waits for its turn.
    public init(perFamily: [EndpointFamily: Rate], maximumConcurrent: Int? = nil, maximumWait: Duration = .seconds(30)) {
        self.perFamily = perFamily
        self.maximumConcurrent = maximumConcurrent.map { max(1, $0) }
        self.maximumWait = maximumWait
    }

    /// LINE's documented rate limits (the default): push, reply and other Messaging endpoints 2,000/s, multicast
    /// 200/s, broadcast and narrowcast 60/hour, short-lived token issue 370/s; no cap where LINE gives no figure.
    public static let line = RateLimits(perFamily: [
        .push: .perSecond(2000), .reply: .perSecond(2000), .otherMessaging: .perSecond(2000), .multicast: .perSecond(200),
        .broadcast: .perHour(60), .narrowcast: .perHour(60), .shortLivedTokenIssue: .perSecond(370),
    ])

    /// The cap of `family`, `nil` for none.
    ///
    /// - Parameter family: the endpoint family.
    public subscript(family: EndpointFamily) -> Rate? {
        get { perFamily[family] }
        set { perFamily[family] = newValue }
    }
}
