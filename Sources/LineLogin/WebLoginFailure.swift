import LineCore

/// Why a web login did not end with a ``LineIdentity``: what an app's error page needs.
///
/// Match on ``code`` (extensible, like `LineAPIError.Code`); the fields beside it carry what the code has to say:
/// ``idTokenFailure``, ``authorizationError``, ``lineAPIError`` and LINE's ``detail``. Equality compares the code and
/// the ID-token failure only.
public struct WebLoginFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case cancelled, stateMismatch, invalidResponseJWT, missingPendingAuthorization, expiredPendingAuthorization
            case authorizationError, lineAPI, invalidIDToken
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The user pressed Cancel on LINE's consent screen.
        public static let cancelled = Code(.cancelled)
        /// `state` did not match the pending authorization: a forged callback, or LINE's auto-login quirk.
        public static let stateMismatch = Code(.stateMismatch)
        /// A JWT response mode's `response` (`query.jwt`, `form_post.jwt`) failed verification: a forged or altered
        /// callback, so nothing in it was used (``WebLoginFailure/idTokenFailure`` says which check).
        public static let invalidResponseJWT = Code(.invalidResponseJWT)
        /// The browser came back without the pending-authorization cookie (another browser, cookies blocked).
        public static let missingPendingAuthorization = Code(.missingPendingAuthorization)
        /// The pending authorization is older than its lifetime, or was altered.
        public static let expiredPendingAuthorization = Code(.expiredPendingAuthorization)
        /// LINE redirected back with an error (``WebLoginFailure/authorizationError``: `INVALID_REQUEST`, …).
        public static let authorizationError = Code(.authorizationError)
        /// A LINE API call (token exchange, profile…) failed (``WebLoginFailure/lineAPIError``).
        public static let lineAPI = Code(.lineAPI)
        /// The ID token failed verification (``WebLoginFailure/idTokenFailure`` says which check).
        public static let invalidIDToken = Code(.invalidIDToken)

        /// The code's name (`cancelled`, …).
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// LINE's `error_description` (or the API error's message), when it gave one.
    public var detail: String?
    /// With ``Code/invalidIDToken`` and ``Code/invalidResponseJWT``: the check that failed.
    public var idTokenFailure: IDTokenFailure?
    /// With ``Code/authorizationError``: LINE's `error`, upper-cased (`INVALID_REQUEST`, `LOGIN_REQUIRED`, …).
    public var authorizationError: String?
    /// With ``Code/lineAPI``: LINE's error, with its status and request ID.
    public var lineAPIError: LineAPIError?
    /// `x-line-request-id` of the failed LINE API call, for LINE's support.
    public var requestID: String? { lineAPIError?.requestID }

    /// A failure.
    ///
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - detail: LINE's `error_description` (or the API error's message), when it gave one.
    ///   - idTokenFailure: the check an ID token or JWT response failed.
    ///   - authorizationError: LINE's `error` from the redirect.
    ///   - lineAPIError: the failed LINE API call's error.
    public init(
        code: Code,
        detail: String? = nil,
        idTokenFailure: IDTokenFailure? = nil,
        authorizationError: String? = nil,
        lineAPIError: LineAPIError? = nil
    ) {
        self.code = code
        self.detail = detail
        self.idTokenFailure = idTokenFailure
        self.authorizationError = authorizationError
        self.lineAPIError = lineAPIError
    }

    /// The HTTP status an error page should have: 400 for what the browser sent, 502 for LINE's failures.
    public var status: Int {
        switch code {
        case .cancelled: 200
        case .lineAPI, .invalidIDToken: 502
        default: 400
        }
    }

    /// A short sentence for the user.
    public var message: String {
        switch code {
        case .cancelled: "You cancelled the login with LINE."
        case .stateMismatch: "The login could not be checked (state mismatch). Please try again."
        case .invalidResponseJWT: "The login could not be checked (the signed response did not verify). Please try again."
        case .missingPendingAuthorization: "The login was not started in this browser. Please try again."
        case .expiredPendingAuthorization: "The login took too long. Please try again."
        case .authorizationError: "LINE could not log you in (\(authorizationError ?? "error")). Please try again."
        case .lineAPI: "LINE answered with an error. Please try again later."
        case .invalidIDToken: "LINE's answer could not be verified. Please try again."
        default: "The login with LINE failed. Please try again."
        }
    }

    /// The code and what it carries, for logs (never a token).
    public var description: String {
        var parts = ["web login failure (\(code))"]
        if let idTokenFailure { parts.append("check \(idTokenFailure)") }
        if let authorizationError { parts.append("error \(authorizationError)") }
        if let lineAPIError { parts.append(lineAPIError.description) }
        if let detail { parts.append("\"\(detail)\"") }
        return parts.joined(separator: ", ")
    }

    /// Whether both have the same code and ID-token failure (details aside).
    public static func == (lhs: WebLoginFailure, rhs: WebLoginFailure) -> Bool {
        lhs.code == rhs.code && lhs.idTokenFailure == rhs.idTokenFailure
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
