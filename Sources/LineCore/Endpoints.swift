import Foundation

/// Where LINE's two hosts are: `access.line.me` (the authorization pages) and `api.line.me` (every API).
///
/// ```swift
/// let production = Endpoints.production
/// let local = Endpoints.emulator(URL(string: "http://127.0.0.1:8123")!)
/// ```
public struct Endpoints: Sendable, Hashable {
    /// The base of browser-facing URLs such as `/oauth2/v2.1/authorize`.
    public var authorizationBase: URL
    /// The base of API calls such as `/oauth2/v2.1/token`.
    public var apiBase: URL

    /// Hosts of your own: a proxy, or an emulator serving the two on different addresses.
    public init(authorizationBase: URL, apiBase: URL) {
        self.authorizationBase = authorizationBase
        self.apiBase = apiBase
    }

    /// LINE's production hosts.
    public static let production = Endpoints(
        authorizationBase: URL(string: "https://access.line.me")!,
        apiBase: URL(string: "https://api.line.me")!
    )

    /// A LineKit emulator (or any single host serving both).
    public static func emulator(_ base: URL) -> Endpoints {
        Endpoints(authorizationBase: base, apiBase: base)
    }

    /// `apiBase` joined with `path` (which starts with `/`).
    public func api(_ path: String) -> URL {
        URL(string: apiBase.absoluteString.trimmingTrailingSlash + path)!
    }

    /// `authorizationBase` joined with `path`.
    public func authorization(_ path: String) -> URL {
        URL(string: authorizationBase.absoluteString.trimmingTrailingSlash + path)!
    }
}

extension String {
    var trimmingTrailingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
