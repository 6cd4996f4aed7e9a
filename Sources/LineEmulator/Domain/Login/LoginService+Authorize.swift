import Foundation

/// The signed-in browser session that lets `prompt=none` skip the login page (LINE's SSO cookie).
struct SingleSignOnSession: Codable, Sendable {
    var userID: String
    var authenticatedAt: Date
}

extension LoginService {
    /// Validates a v2.1 authorization request.
    ///
    /// An unknown `client_id` or a `redirect_uri` that is not registered throws a page error (no redirect, as LINE
    /// does); every other problem goes back to the callback with `error`, `error_description` and `state`.
    func authorize(_ parameters: Parameters, session: SingleSignOnSession?, csrf: String) async throws -> AuthorizationOutcome {
        let (channel, redirectURI) = try await checkClient(parameters)
        let state = parameters["state"] ?? ""
        let responseMode = AuthorizationRequest.ResponseMode(rawValue: parameters["response_mode"] ?? "query") ?? .query
        var request = AuthorizationRequest(
            version: .v2_1,
            channelID: channel.channelID,
            redirectURI: redirectURI,
            state: state,
            scopes: ScopeSet([.profile]),
            nonce: parameters.nonEmpty("nonce"),
            prompt: parameters.nonEmpty("prompt"),
            maxAge: nil,
            codeChallenge: parameters.nonEmpty("code_challenge"),
            responseMode: responseMode,
            botPrompt: parameters.nonEmpty("bot_prompt"),
            uiLocales: parameters.nonEmpty("ui_locales"),
            issuedAt: clock.now,
            csrf: csrf
        )
        func fail(_ code: AuthorizationRequest.ErrorCode, _ description: String) -> AuthorizationOutcome {
            .respond(request.errorResponse(code, description))
        }

        if let name = parameters.repeatedNames.first { return fail(.invalidRequest, "\(name) must not be repeated") }
        if let mode = parameters["response_mode"], AuthorizationRequest.ResponseMode(rawValue: mode) == nil {
            return fail(.invalidRequest, "response_mode must be query, form_post, query.jwt, jwt or form_post.jwt")
        }
        guard let responseType = parameters.nonEmpty("response_type") else {
            return fail(.invalidRequest, "response_type is required")
        }
        guard responseType == "code" else { return fail(.unsupportedResponseType, "response_type must be code") }
        guard !state.isEmpty else { return fail(.invalidRequest, "state is required") }

        guard let scopeParameter = parameters.nonEmpty("scope") else { return fail(.invalidScope, "scope is required") }
        guard let scopes = ScopeSet(parameter: scopeParameter) else {
            return fail(.invalidScope, "scope must be a space-separated list of profile, openid and email")
        }
        guard scopes.contains(.profile) || scopes.contains(.openid) else {
            return fail(.invalidScope, "scope must include profile or openid")
        }
        if scopes.contains(.email) {
            guard scopes.contains(.openid) else { return fail(.invalidScope, "the email scope requires the openid scope") }
            guard channel.emailPermission else {
                return fail(.invalidScope, "the channel has not been granted permission to request email addresses")
            }
        }
        request.scopes = scopes

        switch (request.codeChallenge, parameters.nonEmpty("code_challenge_method")) {
        case (nil, nil):
            break
        case (let challenge?, "S256"?):
            guard PKCE.isValidChallenge(challenge) else {
                return fail(.invalidRequest, "code_challenge must be the base64url SHA-256 digest of the code_verifier (43 characters)")
            }
        case (_, let method?) where method != "S256":
            return fail(.invalidRequest, "code_challenge_method must be S256")
        default:
            return fail(.invalidRequest, "code_challenge and code_challenge_method=S256 must be sent together")
        }

        if let prompt = request.prompt, !["consent", "none", "login"].contains(prompt) {
            return fail(.invalidRequest, "prompt must be consent, none or login")
        }
        if let maxAge = parameters["max_age"] {
            guard let seconds = Int(maxAge), seconds >= 0 else {
                return fail(.invalidRequest, "max_age must be a non-negative number of seconds")
            }
            request.maxAge = seconds
        }
        if let botPrompt = request.botPrompt, !["normal", "aggressive"].contains(botPrompt) {
            return fail(.invalidRequest, "bot_prompt must be normal or aggressive")
        }
        for name in ["switch_amr", "disable_auto_login", "disable_ios_auto_login"] {
            if let value = parameters[name], value != "true" && value != "false" {
                return fail(.invalidRequest, "\(name) must be true or false")
            }
        }
        if let display = parameters["initial_amr_display"], display != "lineqr" {
            return fail(.invalidRequest, "initial_amr_display must be lineqr")
        }

        if request.prompt == "none" {
            return .respond(try await silentAuthorization(request, session: session, channel: channel))
        }
        return .consent(request)
    }

    /// Validates a v2.0 authorization request (`/dialog/oauth/weblogin`): profile only, no PKCE, no ID token.
    func authorizeV2(_ parameters: Parameters, csrf: String) async throws -> AuthorizationOutcome {
        let (channel, redirectURI) = try await checkClient(parameters)
        let request = AuthorizationRequest(
            version: .v2_0,
            channelID: channel.channelID,
            redirectURI: redirectURI,
            state: parameters["state"] ?? "",
            scopes: ScopeSet([.profile]),
            nonce: nil,
            prompt: nil,
            maxAge: nil,
            codeChallenge: nil,
            responseMode: .query,
            botPrompt: nil,
            uiLocales: nil,
            issuedAt: clock.now,
            csrf: csrf
        )
        if let name = parameters.repeatedNames.first {
            return .respond(request.errorResponse(.invalidRequest, "\(name) must not be repeated"))
        }
        guard parameters["response_type"] == "code" else {
            return .respond(request.errorResponse(.unsupportedResponseType, "response_type must be code"))
        }
        guard !request.state.isEmpty else { return .respond(request.errorResponse(.invalidRequest, "state is required")) }
        return .consent(request)
    }

    /// Resolves `client_id` and `redirect_uri`; problems here are shown on an error page, never redirected.
    private func checkClient(_ parameters: Parameters) async throws -> (Channel, String) {
        guard !parameters.repeatedNames.contains("client_id"), let channel = try await loginChannel(parameters["client_id"]) else {
            throw PlatformError.page(400, "Invalid client_id", "The client_id is not the channel ID of a LINE Login channel.")
        }
        guard !parameters.repeatedNames.contains("redirect_uri"), let redirectURI = parameters.nonEmpty("redirect_uri"),
            channel.accepts(redirectURI: redirectURI)
        else {
            throw PlatformError.page(
                400,
                "Invalid redirect_uri",
                "The redirect_uri does not match a callback URL registered for channel \(channel.channelID)."
            )
        }
        return (channel, redirectURI)
    }

    /// `prompt=none`: answer from the SSO session and the existing consent, without any page.
    private func silentAuthorization(
        _ request: AuthorizationRequest,
        session: SingleSignOnSession?,
        channel: Channel
    ) async throws -> AuthorizationResponse {
        guard let session, try await store.user(id: session.userID) != nil else {
            return request.errorResponse(.loginRequired, "The user is not logged in")
        }
        // max_age=0 asks for an authentication made for this very request, which prompt=none cannot give; other
        // values compare with sub-second precision, so a login a moment ago is older than max_age=0 allows.
        if let maxAge = request.maxAge, maxAge == 0 || clock.preciseNow.timeIntervalSince(session.authenticatedAt) > Double(maxAge) {
            return request.errorResponse(.loginRequired, "The user must authenticate again (max_age)")
        }
        guard let consent = try await store.consent(userID: session.userID, channelID: channel.channelID),
            consent.scopes.isSuperset(of: request.scopes)
        else {
            return request.errorResponse(.interactionRequired, "The user must consent to the requested scopes")
        }
        let code = newCode(
            for: request,
            userID: session.userID,
            scopes: request.scopes,
            authenticatedAt: session.authenticatedAt,
            amr: ["linesso"]
        )
        try await store.insertCode(code, grantingConsent: nil)
        issuedCodes.remember(code)
        return callback(for: request, code: code, friendshipStatusChanged: nil)
    }

    /// The user's answer on the consent page.
    struct ConsentDecision: Sendable {
        var allow: Bool
        var userID: String?
        /// Whether the optional `email` permission was granted (only read when requested).
        var grantEmail: Bool
        /// Whether "Add friend" was ticked (only read when the option was shown).
        var addFriend: Bool
    }

    /// What the consent page shows.
    struct ConsentPage: Sendable {
        var request: AuthorizationRequest
        var channel: Channel
        var users: [User]
        var showsAddFriend: Bool
        /// The users who are already friends of the channel's LINE Official Account: LINE offers them no add-friend
        /// option, so choosing one of them ignores the option.
        var friendIDs: Set<String>
    }

    /// The data the consent page is rendered from.
    func consentPage(for request: AuthorizationRequest) async throws -> ConsentPage {
        guard let channel = try await loginChannel(request.channelID) else {
            throw PlatformError.page(400, "Invalid client_id", "The channel no longer exists.")
        }
        let users = try await store.users()
        // The add-friend option is for the LINE Official Account linked to the channel.
        let botChannelID =
            request.version == .v2_1 && request.botPrompt != nil
            ? try await store.linkedBotChannel(loginChannelID: channel.channelID) : nil
        let showsAddFriend = botChannelID != nil
        var friendIDs: Set<String> = []
        if showsAddFriend, let botChannelID {
            for user in users where try await store.isFriend(userID: user.userID, channelID: botChannelID) {
                friendIDs.insert(user.userID)
            }
        }
        return ConsentPage(
            request: request,
            channel: channel,
            users: users,
            showsAddFriend: showsAddFriend && !users.allSatisfy { friendIDs.contains($0.userID) },
            friendIDs: friendIDs
        )
    }

    /// Applies the consent page's answer: a code (and the SSO session to remember) or `ACCESS_DENIED`.
    /// Marks the consent form decided, or refuses it when it was decided before: each form answers once. Its CSRF
    /// value is new for every authorization page, so it names the form.
    private func consume(_ request: AuthorizationRequest) async throws {
        guard try await store.consumeConsentTransaction(request.csrf, validUntil: Self.formValidUntil(request), now: clock.now) else {
            throw Self.formDecidedBefore
        }
    }

    private static func formValidUntil(_ request: AuthorizationRequest) -> Date {
        request.issuedAt.addingTimeInterval(consentFormLifetime)
    }

    private static let formDecidedBefore = PlatformError.page(
        400,
        "Login form already used",
        "This login form has been submitted already. Start the login again."
    )

    func decide(_ request: AuthorizationRequest, _ decision: ConsentDecision) async throws -> (AuthorizationResponse, SingleSignOnSession?)
    {
        guard clock.now.timeIntervalSince(request.issuedAt) <= Self.consentFormLifetime else {
            throw PlatformError.page(400, "Login page expired", "This login page is more than an hour old. Start the login again.")
        }
        guard decision.allow else {
            try await consume(request)
            return (request.deniedResponse(), nil)
        }
        guard let userID = decision.userID, let user = try await store.user(id: userID),
            let channel = try await loginChannel(request.channelID)
        else {
            throw PlatformError.page(400, "Choose a user", "Select one of the emulator's users to log in as.")
        }
        var granted = request.scopes
        if granted.contains(.email) && !decision.grantEmail { granted = granted.removing(.email) }

        let now = clock.now
        var friendshipChanged: Bool?
        var followsBot: String?
        // friendship_status_changed is sent only when the add-friend option was displayed, and LINE displays none
        // to a user who is already a friend.
        if request.version == .v2_1, request.botPrompt != nil,
            let botChannelID = try await store.linkedBotChannel(loginChannelID: channel.channelID),
            try await !store.isFriend(userID: user.userID, channelID: botChannelID)
        {
            friendshipChanged = decision.addFriend
            if decision.addFriend { followsBot = botChannelID }
        }
        // The form is decided, the consent recorded and the code stored in one step: a form answered twice (or on
        // two instances at once) stores one code, and everything after this happens once.
        let code = newCode(for: request, userID: user.userID, scopes: granted, authenticatedAt: now, amr: ["pwd"])
        let consent = Consent(userID: user.userID, channelID: channel.channelID, scopes: granted, grantedAt: now)
        guard
            try await store.insertCode(
                code,
                grantingConsent: consent,
                decidingForm: request.csrf,
                validUntil: Self.formValidUntil(request),
                now: now
            )
        else {
            throw Self.formDecidedBefore
        }
        issuedCodes.remember(code)
        if let followsBot {
            // The linked account gets its `follow` webhook (queued: the redirect does not wait for it).
            try await webhooks.setFriendship(userID: user.userID, botChannelID: followsBot, isFriend: true)
        }
        let response = callback(for: request, code: code, friendshipStatusChanged: friendshipChanged)
        return (response, SingleSignOnSession(userID: user.userID, authenticatedAt: clock.preciseNow))
    }

    /// A new code for `request`, valid for ten minutes (not stored yet).
    private func newCode(
        for request: AuthorizationRequest,
        userID: String,
        scopes: ScopeSet,
        authenticatedAt: Date,
        amr: [String]
    ) -> AuthorizationCode {
        let now = clock.now
        return AuthorizationCode(
            code: Randomness.alphanumeric(20),
            version: request.version,
            channelID: request.channelID,
            userID: userID,
            redirectURI: request.redirectURI,
            scopes: scopes,
            nonce: request.nonce,
            codeChallenge: request.codeChallenge,
            authTime: request.maxAge == nil ? nil : authenticatedAt,
            amr: amr,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(Self.codeLifetime)
        )
    }

    /// The callback that carries `code`, stored.
    private func callback(
        for request: AuthorizationRequest,
        code: AuthorizationCode,
        friendshipStatusChanged: Bool?
    ) -> AuthorizationResponse {
        var parameters = [("code", code.code), ("state", request.state)]
        if let friendshipStatusChanged { parameters.append(("friendship_status_changed", friendshipStatusChanged ? "true" : "false")) }
        return AuthorizationResponse(
            redirectURI: request.redirectURI,
            parameters: parameters,
            mode: request.responseMode,
            channelID: request.channelID
        )
    }
}
