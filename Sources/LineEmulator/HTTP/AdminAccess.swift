import Foundation
import Hummingbird
import NIOCore

/// Who may use the emulator's own API and console, and which requests a web page could have forged.
///
/// - Only loopback clients, unless remote administration is allowed.
/// - Only requests addressed to a name the emulator serves (`ServedHosts`): a DNS-rebinding page is refused.
/// - A request with an `Origin` header must come from the emulator's own origin (the `Host` it was sent to, or the
///   configured public URL): a page on another site cannot use the admin API through the developer's browser.
/// - Every state-changing admin API request (`POST`, `PUT`, `PATCH`, `DELETE`) must say
///   `Content-Type: application/json`, with or without a body. A cross-site page can send only "simple" requests
///   (`text/plain`, form encodings) without asking the browser's CORS preflight, which the emulator never grants.
/// - Console forms are plain HTML forms: `ConsoleFormGuard` protects them with a session-bound token, and the
///   console also checks `Referer` when a browser sends no `Origin`.
struct AdminAccess: Sendable {
    /// Which of the two admin surfaces a request is for: it decides the error shape.
    enum Surface {
        /// `/_emulator/v1`: JSON errors `{"message": …}`.
        case api
        /// `/_emulator/console`: HTML error pages.
        case console
    }

    let allowRemote: Bool
    let hosts: ServedHosts
    /// The configured public base URL's origin (`scheme://host[:port]`), also accepted as an `Origin`.
    let publicOrigin: String?

    init(allowRemote: Bool, hosts: ServedHosts, publicBaseURL: String?) {
        self.allowRemote = allowRemote
        self.hosts = hosts
        publicOrigin = publicBaseURL.flatMap(Self.origin(of:))
    }

    /// Throws the surface's 403 or 415 unless the request may use it.
    func check(_ request: Request, _ context: EmulatorRequestContext, from surface: Surface) throws {
        if !allowRemote {
            guard let address = context.remoteAddress, Self.isLoopback(address) else {
                throw surface.error(403, "The emulator's admin API answers loopback clients only (see --allow-remote-admin)")
            }
        }
        guard let host = request.head.authority, hosts.contains(authority: host) else {
            throw surface.error(
                403,
                "The admin API and console answer only requests addressed to the emulator itself (localhost, an IP address, --host or --public-url), not \(request.head.authority ?? "no Host")"
            )
        }
        if let origin = request.headers[.origin] {
            guard isOwnOrigin(origin, of: request) else {
                throw surface.error(403, "Cross-origin requests to the emulator's admin API and console are refused (Origin: \(origin))")
            }
        } else if surface == .console, request.method == .post, let referer = request.headers[.referer] {
            guard let origin = Self.origin(of: referer), isOwnOrigin(origin, of: request) else {
                throw surface.error(403, "Console forms are accepted only from the console's own pages (the Referer is another site)")
            }
        }
        if surface == .api, Self.changesState(request.method), request.mediaType != "application/json" {
            throw surface.error(415, "State-changing admin requests need Content-Type: application/json (an empty body is fine)")
        }
    }

    /// Whether `origin` is the origin the request was addressed to, or the configured public URL's.
    func isOwnOrigin(_ origin: String, of request: Request) -> Bool {
        let origin = origin.lowercased()
        if let publicOrigin, origin == publicOrigin { return true }
        guard let host = request.head.authority?.lowercased() else { return false }
        return origin == "http://" + host || origin == "https://" + host
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }

    /// `scheme://host[:port]` of an absolute URL, lower-cased; `nil` when it is not one.
    static func origin(of url: String) -> String? {
        let text = url.lowercased()
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        return String(text[..<schemeEnd.upperBound]) + authority
    }

    private static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4: address.ipAddress?.hasPrefix("127.") ?? false
        case .v6: address.ipAddress == "::1" || (address.ipAddress?.hasPrefix("::ffff:127.") ?? false)
        case .unixDomainSocket: true
        }
    }
}

extension AdminAccess.Surface {
    func error(_ status: Int, _ message: String) -> PlatformError {
        switch self {
        case .api: .message(status, message)
        case .console: .page(status, status == 415 ? "Unsupported request" : "Request rejected", message)
        }
    }
}
