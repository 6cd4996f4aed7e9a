import Hummingbird

/// LINE accepts `X-Line-Retry-Key` only on push, multicast, narrowcast and broadcast, and answers 400 on any other
/// endpoint that receives it (*Retrying an API request*). The emulator's own `/_emulator` paths are not LINE's.
struct RetryKeyMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    /// The endpoints that take a retry key (the emulator serves push of these four).
    static let retryablePaths: Set<String> = [
        "/v2/bot/message/push", "/v2/bot/message/multicast", "/v2/bot/message/narrowcast", "/v2/bot/message/broadcast",
    ]

    static let description = "The X-Line-Retry-Key header is not supported by this endpoint"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.headers[.lineRetryKey] != nil, !Self.retryablePaths.contains(path), !path.hasPrefix("/_emulator") else {
            return try await next(request, context)
        }
        // In the error shape of the endpoint's family: OAuth endpoints `{"error", "error_description"}`, others `{"message"}`.
        if path.hasPrefix("/oauth2/") || path.hasPrefix("/v2/oauth/") { throw PlatformError.invalidRequest(Self.description) }
        throw PlatformError.message(400, Self.description)
    }
}
