import Foundation
import Hummingbird
import LineLogin
import NIOCore

/// The integration's default responses: what `addLineLogin` does when the app passes no handler.
public enum LineLoginResponses {
    /// Keeps `identity` in the sealed session cookie and sends the browser to `redirectTo`.
    ///
    /// - Parameters:
    ///   - identity: the identity to keep.
    ///   - login: the login whose session cookie keeps it.
    ///   - location: where to redirect.
    /// - Throws: when the identity cannot be sealed.
    public static func startSession(_ identity: LineIdentity, login: WebLogin, redirectTo location: String = "/") throws -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        try login.updateSession(identity, on: &response)
        return response
    }

    /// `WebLoginFailure.htmlPage(loginPath:)` with the failure's status: the message, LINE's request ID when there
    /// is one, and a link to try again.
    ///
    /// - Parameters:
    ///   - failure: why the login failed.
    ///   - loginPath: where the page's "Log in with LINE" link points.
    public static func errorPage(_ failure: WebLoginFailure, loginPath: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: failure.status),
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: failure.htmlPage(loginPath: loginPath)))
        )
    }
}
