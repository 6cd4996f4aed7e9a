import LineLogin
import Vapor

/// The integration's default error page.
public enum LineLoginResponses {
    /// `WebLoginFailure.htmlPage(loginPath:)` with the failure's status: the message, LINE's request ID when there
    /// is one, and a link to try again.
    ///
    /// - Parameters:
    ///   - failure: why the login failed.
    ///   - loginPath: where the page's "Log in with LINE" link points.
    public static func errorPage(_ failure: WebLoginFailure, loginPath: String) -> Response {
        Response(
            status: HTTPResponseStatus(statusCode: failure.status),
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"],
            body: .init(string: failure.htmlPage(loginPath: loginPath))
        )
    }
}
