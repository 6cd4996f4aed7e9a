import LineLogin
import Vapor

/// The integration's default error page: the failure's message, LINE's request ID when there is one, and a link to
/// try again.
public enum LineLoginResponses {
    public static func errorPage(_ failure: WebLoginFailure, loginPath: String) -> Response {
        let requestID = failure.requestID.map { "<p>LINE request ID: <code id=\"request-id\">\(escape($0))</code></p>" } ?? ""
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Login with LINE</title></head><body>
            <h1 id="login-failed">\(escape(failure.message))</h1>\(requestID)
            <p><a href="\(escape(loginPath))">Log in with LINE</a></p>
            </body></html>
            """
        return Response(
            status: HTTPResponseStatus(statusCode: failure.status),
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"],
            body: .init(string: page)
        )
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}
