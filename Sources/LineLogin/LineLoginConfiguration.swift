import LineCore
import Logging

/// Everything a ``LineLoginClient`` needs: the channel's credential, said explicitly, the API client and a logger.
///
/// ```swift
/// let web = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: secret))
/// let native = LineLoginClient(configuration: .native(channelID: "1234567890"))
/// ```
public struct LineLoginConfiguration: Sendable {
    /// Who the client is to LINE: a web channel with its secret, or a native app (iOS, Android, LIFF) that holds none.
    public enum Credential: Sendable, Equatable, CustomStringConvertible {
        /// A web app's channel: the secret exchanges codes, refreshes and revokes tokens, and verifies HS256 ID tokens
        /// and JWT responses.
        case web(channelID: String, channelSecret: String)
        /// A native app's channel, which keeps no secret: PKCE only, and ES256 ID tokens verified with LINE's JWKS.
        case native(channelID: String)

        /// The channel ID.
        public var channelID: String {
            switch self {
            case .web(let channelID, _), .native(let channelID): channelID
            }
        }

        /// The channel secret of a web channel; `nil` for a native one.
        public var channelSecret: String? {
            switch self {
            case .web(_, let channelSecret): channelSecret
            case .native: nil
            }
        }

        /// The kind and the channel ID; never the secret.
        public var description: String {
            switch self {
            case .web(let channelID, _): "web channel \(channelID)"
            case .native(let channelID): "native channel \(channelID)"
            }
        }
    }

    /// The channel and, for a web channel, its secret.
    public var credential: Credential
    /// The client requests go through. Default: LINE itself, over `HTTPClient.shared`.
    public var api: LineAPIClient
    /// Where the guideline log records of authorization requests and callbacks go; `nil` uses the API client's.
    public var logger: Logger?

    /// A configuration.
    ///
    /// - Parameters:
    ///   - credential: the channel and, for a web channel, its secret.
    ///   - api: the client requests go through.
    ///   - logger: where guideline log records go; `nil` uses the API client's logger.
    public init(credential: Credential, api: LineAPIClient = LineAPIClient(), logger: Logger? = nil) {
        self.credential = credential
        self.api = api
        self.logger = logger
    }

    /// A web app's channel, with its secret.
    ///
    /// - Parameters:
    ///   - channelID: the channel ID.
    ///   - channelSecret: the channel secret.
    ///   - api: the client requests go through.
    ///   - logger: where guideline log records go; `nil` uses the API client's logger.
    public static func web(channelID: String, channelSecret: String, api: LineAPIClient = LineAPIClient(), logger: Logger? = nil) -> Self {
        Self(credential: .web(channelID: channelID, channelSecret: channelSecret), api: api, logger: logger)
    }

    /// A native app's channel, without a secret.
    ///
    /// - Parameters:
    ///   - channelID: the channel ID.
    ///   - api: the client requests go through.
    ///   - logger: where guideline log records go; `nil` uses the API client's logger.
    public static func native(channelID: String, api: LineAPIClient = LineAPIClient(), logger: Logger? = nil) -> Self {
        Self(credential: .native(channelID: channelID), api: api, logger: logger)
    }
}
