import Foundation
import HTTPTypes
import Hummingbird
import LineCore

/// The browser-facing pages of `access.line.me`: the v2.1 and v2.0 authorization URLs and the login/consent form.
struct LoginPageRoutes {
    let login: LoginService
    let pages: PageRenderer

    static let consentPath = "/oauth2/v2.1/authorize/consent"
    private static let csrfCookie = "linekit_csrf"
    private static let ssoCookie = "linekit_sso"
    private static let transactionPurpose = "consent-transaction"
    private static let ssoPurpose = "sso-session"

    func register(on routes: inout RouteTable) {
        routes.on("/oauth2/v2.1/authorize", .get) { request, context in
            try await authorize(request, context: context, version: .v2_1)
        }
        routes.on("/dialog/oauth/weblogin", .get) { request, context in
            try await authorize(request, context: context, version: .v2_0)
        }
        routes.on(Self.consentPath, .post) { request, context in
            var request = request
            return try await consent(&request, context: context)
        }
    }

    private func authorize(_ request: Request, context: EmulatorRequestContext, version: LoginVersion) async throws -> Response {
        let parameters = try request.queryParameters(
            orThrow: .page(400, "Invalid request", "The authorization URL's query string is not correctly percent-encoded.")
        )
        let csrf = request.cookies[Self.csrfCookie]?.value.nonEmptyAlphanumeric ?? Randomness.alphanumeric(32)
        let outcome: AuthorizationOutcome
        switch version {
        case .v2_1: outcome = try await login.authorize(parameters, session: session(from: request), csrf: csrf)
        case .v2_0: outcome = try await login.authorizeV2(parameters, csrf: csrf)
        }
        switch outcome {
        case .respond(let response):
            return try await callback(response)
        case .consent(let authorization):
            let page = try await login.consentPage(for: authorization)
            var response = Response.html(consentView(page, selecting: session(from: request)?.userID).html(frame: pages.frame))
            response.setCookie(Cookie(name: Self.csrfCookie, value: csrf, path: "/", httpOnly: true, sameSite: .lax))
            return response
        }
    }

    private func consent(_ request: inout Request, context: EmulatorRequestContext) async throws -> Response {
        let invalid = PlatformError.page(400, "Invalid login form", "The login form was not submitted as a form. Start the login again.")
        let form = try await request.form(context: context, wrongType: invalid, malformed: invalid)
        guard let sealed = form["transaction"],
            let payload = login.keys.open(sealed, purpose: Self.transactionPurpose),
            let authorization = AuthorizationRequest(formJSON: payload)
        else {
            throw PlatformError.page(
                400,
                "Invalid login form",
                "This login form was altered or is not from this emulator. Start the login again."
            )
        }
        guard let cookie = request.cookies[Self.csrfCookie]?.value, let submitted = form["csrf"],
            constantTimeEquals(cookie, authorization.csrf), constantTimeEquals(submitted, authorization.csrf)
        else {
            throw PlatformError.page(403, "Request rejected", "The login form did not come from this browser session (CSRF check failed).")
        }
        let decision = LoginService.ConsentDecision(
            allow: form["decision"] == "allow",
            userID: form.nonEmpty("user_id"),
            grantEmail: form["email"] == "on",
            addFriend: form["add_friend"] == "on"
        )
        let (response, session) = try await login.decide(authorization, decision)
        var result = try await callback(response)
        if let session, let data = try? JSONEncoder().encode(session) {
            result.setCookie(
                Cookie(
                    name: Self.ssoCookie,
                    value: login.keys.seal(data, purpose: Self.ssoPurpose),
                    path: "/",
                    httpOnly: true,
                    sameSite: .lax
                )
            )
        }
        return result
    }

    /// Sends the browser to the callback: a 302 with the query (`query`, `query.jwt`, `jwt`), or an auto-submitting
    /// form (`form_post`, `form_post.jwt`); the JWT modes carry the parameters as one signed JWT in `response`.
    private func callback(_ response: AuthorizationResponse) async throws -> Response {
        let response = try await login.delivered(response)
        switch response.mode.transport {
        case .redirect:
            return Response(status: .found, headers: [.location: response.location, .cacheControl: "no-store", .contentLength: "0"])
        case .formPost:
            let object: [String: Any] = [
                "title": "Returning to the app",
                "action": response.redirectURI,
                "fields": response.parameters.map { ["name": $0.0, "value": $0.1] },
                "script": PageRenderer.autoSubmitScript,
            ]
            return .html(pages.render(.formPost, object))
        }
    }

    private func session(from request: Request) -> SingleSignOnSession? {
        guard let sealed = request.cookies[Self.ssoCookie]?.value,
            let data = login.keys.open(sealed, purpose: Self.ssoPurpose)
        else { return nil }
        return try? JSONDecoder().decode(SingleSignOnSession.self, from: data)
    }

    private func consentView(_ page: LoginService.ConsentPage, selecting selectedUserID: String?) -> ConsentPageView {
        let request = page.request
        let sealed = login.keys.seal(Data(request.formJSON), purpose: Self.transactionPurpose)
        let selected = page.users.contains { $0.userID == selectedUserID } ? selectedUserID : page.users.first?.userID
        let lang = request.uiLocales?.split(separator: " ").first.map(String.init) ?? "en"
        return ConsentPageView(
            lang: lang.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? lang : "en",
            channelName: page.channel.name,
            channelID: page.channel.channelID,
            version: request.version.rawValue,
            action: Self.consentPath,
            transaction: sealed,
            csrf: request.csrf,
            users: page.users.map { .init(userID: $0.userID, displayName: $0.displayName, isSelected: $0.userID == selected) },
            asksProfile: request.scopes.contains(.profile),
            asksOpenID: request.scopes.contains(.openid),
            asksEmail: request.scopes.contains(.email),
            offersAddFriend: page.showsAddFriend
        )
    }
}

extension String {
    /// `self` when it is 1–64 ASCII letters and digits (a value the emulator could have set in a cookie).
    fileprivate var nonEmptyAlphanumeric: String? {
        let isAlphanumeric: (UInt8) -> Bool = { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
        guard (1...64).contains(utf8.count), utf8.allSatisfy(isAlphanumeric) else { return nil }
        return self
    }
}
