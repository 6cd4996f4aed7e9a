import HTTPTypes

extension PlatformError {
    /// An error in the shape LINE uses for the endpoint family of `path`: an HTML page for the authorization pages,
    /// `{"error","error_description"}` for the OAuth endpoints, `{"message"}` elsewhere: `description` when
    /// `explained`, else the status's generic text (as LINE's Messaging API answers a failure of its own).
    static func forEndpoint(path: String, status: Int, _ description: String, explained: Bool = false) -> PlatformError {
        if path.hasPrefix("/oauth2/v2.1/authorize") || path.hasPrefix("/dialog/") {
            return .page(status, "LINE Login is unavailable (\(status))", description)
        }
        if path.hasPrefix("/oauth2/") || path.hasPrefix("/v2/oauth/") {
            let code =
                switch status {
                case 400: "invalid_request"
                case 401: "invalid_client"
                case 403: "access_denied"
                case 429: "too_many_requests"
                case 503: "temporarily_unavailable"
                case 500...: "server_error"
                default: "invalid_request"
                }
            return .oauth(status, code, description)
        }
        if status == 429 { return RateLimiter.exceeded }
        if explained { return .message(status, description) }
        return .message(status, status >= 500 ? "Internal server error" : HTTPResponse.Status(code: status).reasonPhrase)
    }
}
