/// A LINE Login permission (LINE's *Integrating LINE Login with your web app*, "Scopes").
public enum Scope: String, Sendable, Codable, CaseIterable, Hashable {
    /// The profile API, and `name`/`picture` in the ID token.
    case profile
    /// An ID token.
    case openid
    /// `email` in the ID token (needs `openid` and the channel's email permission).
    case email
}

/// The authorization request's `prompt`. Not optional, so `.none` cannot be mistaken for "no prompt": the default is
/// ``automatic`` (no `prompt` parameter, LINE decides), and LINE's `prompt=none` is spelled ``noInteraction``.
///
/// ```swift
/// AuthorizationOptions()                          // no prompt parameter
/// AuthorizationOptions(prompt: .consent)          // prompt=consent
/// AuthorizationOptions(prompt: .noInteraction)    // prompt=none
/// ```
public enum Prompt: Sendable, Hashable, CaseIterable {
    /// No `prompt` parameter: LINE shows a screen only when it needs one (the default).
    case automatic
    /// `prompt=consent`: show the consent screen even when everything was granted before.
    case consent
    /// `prompt=none`: never show a screen; fail with `LOGIN_REQUIRED` or `INTERACTION_REQUIRED` instead.
    case noInteraction
    /// `prompt=login`: show the login screen even with a live session.
    case login

    /// The value of the `prompt` parameter, `nil` for ``automatic``.
    public var parameterValue: String? {
        switch self {
        case .automatic: nil
        case .consent: "consent"
        case .noInteraction: "none"
        case .login: "login"
        }
    }

    /// The prompt whose parameter value is `value` (`consent`, `none` or `login`).
    ///
    /// - Parameter value: the `prompt` parameter's value.
    public init?(parameterValue value: String) {
        guard let prompt = Self.allCases.first(where: { $0.parameterValue == value }) else { return nil }
        self = prompt
    }
}

/// The authorization request's `bot_prompt`: offer to add the channel's LINE Official Account as a friend.
public enum BotPrompt: String, Sendable, Codable {
    /// An option on the consent screen.
    case normal
    /// A separate screen after consent.
    case aggressive
}

/// How the callback receives its parameters.
public enum ResponseMode: String, Sendable, Codable {
    /// In the query string of a redirect (the default).
    case query
    /// In the body of an HTTP POST to the callback.
    case formPost = "form_post"
    /// JARM: one JWT in the `response` query parameter, signed with the channel secret.
    case queryJWT = "query.jwt"
    /// JARM's default for the code flow (`query.jwt`).
    case jwt
    /// JARM: one JWT in the `response` field of an HTTP POST to the callback.
    case formPostJWT = "form_post.jwt"

    /// Whether the callback parameters arrive as one signed JWT in `response`.
    public var isJWT: Bool { self == .queryJWT || self == .jwt || self == .formPostJWT }

    /// Whether the callback arrives as a cross-site `POST` (`form_post`, `form_post.jwt`), which browsers send without
    /// `SameSite=Lax` cookies.
    public var isFormPost: Bool { self == .formPost || self == .formPostJWT }
}
