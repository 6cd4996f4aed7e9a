import Foundation
import LineCore

/// What arrived at the callback, checked against the pending authorization.
public enum CallbackOutcome: Sendable, Equatable {
    /// A code to exchange for tokens.
    case authorized(code: String, friendshipStatusChanged: Bool?)
    /// The user pressed Cancel (v2.1 `ACCESS_DENIED`, v2.0 `errorCode=417`).
    case denied(description: String?)
    /// LINE reported another error (`INVALID_REQUEST`, `LOGIN_REQUIRED`, …), upper-cased.
    case failed(error: String, description: String?)
    /// `state` does not match: a forged callback, or LINE's auto-login failure quirk (retry with
    /// `disableAutoLogin`). Never exchange a code that arrives with this.
    case stateMismatch
    /// A JWT response mode's `response` is missing, or its signature, `iss`, `aud` or `exp` is wrong: a forged or
    /// replayed callback. Never exchange a code that arrives with this.
    case invalidResponseJWT(IDTokenFailure)
}

/// Parses and checks callbacks.
public enum Callback {
    /// Parses a callback's query string (or a `form_post` body) and checks `state` in constant time.
    public static func parse(_ query: String, expecting pending: PendingAuthorization) -> CallbackOutcome {
        parse(parameters(query), expecting: pending)
    }

    /// Parses already-decoded callback parameters.
    public static func parse(_ parameters: [String: String], expecting pending: PendingAuthorization) -> CallbackOutcome {
        guard let state = parameters["state"], constantTimeEquals(state, pending.state) else { return .stateMismatch }
        if let error = parameters["error"] ?? parameters["errorCode"].map({ _ in "access_denied" }) {
            let description = parameters["error_description"]
            let code = error.uppercased()
            if code == "ACCESS_DENIED" || parameters["errorCode"] == "417" { return .denied(description: description) }
            return .failed(error: code, description: description)
        }
        guard let code = parameters["code"], !code.isEmpty else {
            return .failed(error: "INVALID_REQUEST", description: "the callback has neither code nor error")
        }
        let friendship = parameters["friendship_status_changed"].map { $0 == "true" }
        return .authorized(code: code, friendshipStatusChanged: friendship)
    }

    /// Decodes `a=1&b=2` (the first value of a repeated name wins).
    static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        let trimmed = query.hasPrefix("?") ? String(query.dropFirst()) : query
        for pair in trimmed.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            let name = decode(parts[0])
            if result[name] == nil { result[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return result
    }
}
