import HTTPTypes
import Hummingbird

/// Answers 400 to a request without a `Host` header or with more than one, in LINE's error shape for the endpoint.
///
/// RFC 9112 §3.2 asks a server to answer 400 to both. The emulator does so for HTTP/1.0 requests too: the `Host`
/// decides whether the admin API answers (`ServedHosts`), so a request must say which host it is for, once.
struct HostHeaderMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    private static let host = HTTPField.Name("Host")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The first `Host` becomes the authority; any further ones stay among the header fields.
        if request.head.authority != nil && request.headers[values: Self.host].isEmpty { return try await next(request, context) }
        let problem = request.head.authority == nil ? "has no Host header" : "has more than one Host header"
        throw PlatformError.forEndpoint(path: request.uri.path, status: 400, "The request \(problem)", explained: true)
    }
}
