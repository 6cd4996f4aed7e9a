import Foundation
import Hummingbird
import LineLogin
import NIOCore

/// The integration's default responses: what `addLineLogin` does when the app passes no handler.
public enum LineLoginResponses {
    /// Keeps `identity` in the sealed session cookie and sends the browser to `redirectTo`.
    public static func startSession(_ identity: LineIdentity, login: WebLogin, redirectTo location: String = "/") throws -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        response.setCookie(Cookie(try login.sessionCookie(for: identity)))
        return response
    }

    /// A small HTML page: the failure's message, LINE's request ID when there is one, and a link to try again.
    public static func errorPage(_ failure: WebLoginFailure, loginPath: String) -> Response {
        let requestID = failure.requestID.map { "<p>LINE request ID: <code id=\"request-id\">\(escape($0))</code></p>" } ?? ""
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Login with LINE</title></head><body>
            <h1 id="login-failed">\(escape(failure.message))</h1>\(requestID)
            <p><a href="\(escape(loginPath))">Log in with LINE</a></p>
            </body></html>
            """
        return Response(
            status: HTTPResponse.Status(code: failure.status),
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: page))
        )
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
