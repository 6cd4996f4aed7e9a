import LineCore

/// Why a web login did not end with a ``LineIdentity``: what an app's error page needs.
public struct WebLoginFailure: Error, Sendable, Equatable {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// The user pressed Cancel on LINE's consent screen.
        case cancelled
        /// `state` did not match the pending authorization: a forged callback, or LINE's auto-login quirk.
        case stateMismatch
        /// A JWT response mode's `response` (`query.jwt`, `form_post.jwt`) failed verification: a forged or altered
        /// callback, so nothing in it was used.
        case invalidResponseJWT(IDTokenFailure)
        /// The browser came back without the pending-authorization cookie (another browser, cookies blocked).
        case missingPendingAuthorization
        /// The pending authorization is older than its lifetime, or was altered.
        case expiredPendingAuthorization
        /// LINE redirected back with an error (`INVALID_REQUEST`, `LOGIN_REQUIRED`, …).
        case authorizationError(String)
        /// A LINE API call (token exchange, profile…) failed; ``WebLoginFailure/requestID`` says which request.
        case lineAPI(LineAPIError)
        /// The ID token failed verification.
        case invalidIDToken(IDTokenFailure)
    }

    /// What went wrong.
    public var reason: Reason
    /// LINE's `error_description` (or the API error's message), when it gave one.
    public var detail: String?
    /// `x-line-request-id` of the failed LINE API call, for LINE's support.
    public var requestID: String? {
        if case .lineAPI(let error) = reason { return error.requestID }
        return nil
    }

    /// A failure.
    ///
    /// - Parameters:
    ///   - reason: what went wrong.
    ///   - detail: LINE's `error_description` (or the API error's message), when it gave one.
    public init(_ reason: Reason, detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }

    /// The HTTP status an error page should have: 400 for what the browser sent, 502 for LINE's failures.
    public var status: Int {
        switch reason {
        case .cancelled: 200
        case .lineAPI, .invalidIDToken: 502
        default: 400
        }
    }

    /// A short sentence for the user.
    public var message: String {
        switch reason {
        case .cancelled: "You cancelled the login with LINE."
        case .stateMismatch: "The login could not be checked (state mismatch). Please try again."
        case .invalidResponseJWT: "The login could not be checked (the signed response did not verify). Please try again."
        case .missingPendingAuthorization: "The login was not started in this browser. Please try again."
        case .expiredPendingAuthorization: "The login took too long. Please try again."
        case .authorizationError(let error): "LINE could not log you in (\(error)). Please try again."
        case .lineAPI: "LINE answered with an error. Please try again later."
        case .invalidIDToken: "LINE's answer could not be verified. Please try again."
        }
    }
}

extension WebLoginFailure {
    /// A small HTML page for the failure (the integrations' default): the message, LINE's request ID when there is
    /// one (in `#request-id`), and a link to `loginPath` to try again. Serve it with ``status``.
    ///
    /// - Parameter loginPath: where the page's "Log in with LINE" link points.
    public func htmlPage(loginPath: String) -> String {
        let requestID = self.requestID.map { "<p>LINE request ID: <code id=\"request-id\">\($0.htmlEscaped)</code></p>" } ?? ""
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Login with LINE</title></head><body>
            <h1 id="login-failed">\(message.htmlEscaped)</h1>\(requestID)
            <p><a href="\(loginPath.htmlEscaped)">Log in with LINE</a></p>
            </body></html>
            """
    }
}
