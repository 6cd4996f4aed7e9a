import Foundation
import LineCore

/// A validated authorization request (v2.1 `/oauth2/v2.1/authorize` or v2.0 `/dialog/oauth/weblogin`).
///
/// It travels through the consent page sealed in a hidden form field (`formJSON`), so no server-side session is needed.
struct AuthorizationRequest: Sendable, Equatable {
    enum ResponseMode: String, Codable, Sendable, CaseIterable {
        case query
        case formPost = "form_post"
        /// JARM: the parameters as one signed JWT in `response`, in the query string.
        case queryJWT = "query.jwt"
        /// JARM's default for the code flow, which is `query.jwt`.
        case jwt
        /// JARM: the `response` JWT in the body of an HTTP POST.
        case formPostJWT = "form_post.jwt"

        /// Whether the parameters travel as a JWT in `response`.
        var isJWT: Bool { self == .queryJWT || self == .jwt || self == .formPostJWT }

        /// How the browser carries the parameters (or the `response` JWT) to the callback.
        enum Transport { case redirect, formPost }

        var transport: Transport { self == .formPost || self == .formPostJWT ? .formPost : .redirect }
    }

    var version: LoginVersion
    var channelID: String
    var redirectURI: String
    var state: String
    var scopes: ScopeSet
    var nonce: String?
    var prompt: String?
    var maxAge: Int?
    var codeChallenge: String?
    var responseMode: ResponseMode
    var botPrompt: String?
    var uiLocales: String?
    /// When the consent page was shown; the sealed form is accepted for an hour after.
    var issuedAt: Date
    /// The double-submit CSRF value that must match the browser's cookie.
    var csrf: String
}

extension AuthorizationRequest {
    /// The request as the JSON sealed into the consent form.
    ///
    /// Written and read by hand: through `JSONEncoder` and `JSONDecoder` it was a fifteenth of the CPU of a login.
    var formJSON: [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.member("version", version.rawValue)
        writer.member("channelID", channelID)
        writer.member("redirectURI", redirectURI)
        writer.member("state", state)
        writer.member("scopes", scopes.storageValue)
        writer.member("nonce", ifPresent: nonce)
        writer.member("prompt", ifPresent: prompt)
        if let maxAge { writer.member("maxAge", maxAge) }
        writer.member("codeChallenge", ifPresent: codeChallenge)
        writer.member("responseMode", responseMode.rawValue)
        writer.member("botPrompt", ifPresent: botPrompt)
        writer.member("uiLocales", ifPresent: uiLocales)
        writer.key("issuedAt")
        writer.number(issuedAt.timeIntervalSince1970)
        writer.member("csrf", csrf)
        writer.endObject()
        return writer.bytes
    }

    /// The request `formJSON` wrote; `nil` for anything else.
    init?(formJSON bytes: some Collection<UInt8>) {
        guard let members = JSONValue(parsing: bytes)?.objectValue else { return nil }
        func optional(_ name: String) -> String?? {
            switch members[name] {
            case nil: .some(nil)
            case .string(let value): .some(value)
            default: nil
            }
        }
        let maxAge: Int?? =
            switch members["maxAge"] {
            case nil: .some(nil)
            case .integer(let seconds): .some(seconds)
            default: nil
            }
        guard let version = members["version"]?.stringValue.flatMap(LoginVersion.init(rawValue:)),
            let channelID = members["channelID"]?.stringValue, let redirectURI = members["redirectURI"]?.stringValue,
            let state = members["state"]?.stringValue, let scopes = members["scopes"]?.stringValue.flatMap(ScopeSet.init(parameter:)),
            let nonce = optional("nonce"), let prompt = optional("prompt"), let maxAge,
            let codeChallenge = optional("codeChallenge"),
            let responseMode = members["responseMode"]?.stringValue.flatMap(ResponseMode.init(rawValue:)),
            let botPrompt = optional("botPrompt"), let uiLocales = optional("uiLocales"), let issuedAt = members["issuedAt"]?.numberValue,
            let csrf = members["csrf"]?.stringValue
        else { return nil }
        self.init(
            version: version,
            channelID: channelID,
            redirectURI: redirectURI,
            state: state,
            scopes: scopes,
            nonce: nonce,
            prompt: prompt,
            maxAge: maxAge,
            codeChallenge: codeChallenge,
            responseMode: responseMode,
            botPrompt: botPrompt,
            uiLocales: uiLocales,
            issuedAt: Date(timeIntervalSince1970: issuedAt),
            csrf: csrf
        )
    }
}

/// Where the browser goes after an authorization request: the callback with a code or an error.
struct AuthorizationResponse: Sendable, Equatable {
    var redirectURI: String
    var parameters: [(String, String)]
    var mode: AuthorizationRequest.ResponseMode
    /// The channel the response is for: the audience of a JARM `response` JWT, signed with its secret.
    var channelID: String

    /// The callback URL with the parameters in its query string, form-encoded as LINE's examples are (a space is `+`:
    /// `error_description=The+resource+owner+denied+the+request.`).
    var location: String {
        let separator = redirectURI.contains("?") ? "&" : "?"
        return redirectURI + separator + parameters.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
    }

    /// Percent-encodes as `application/x-www-form-urlencoded` does: a space becomes `+`.
    private static func formEncode(_ value: String) -> String {
        Parameters.encode(value).replacingOccurrences(of: "%20", with: "+")
    }

    static func == (lhs: AuthorizationResponse, rhs: AuthorizationResponse) -> Bool {
        lhs.redirectURI == rhs.redirectURI && lhs.mode == rhs.mode && lhs.channelID == rhs.channelID
            && lhs.parameters.map { [$0.0, $0.1] } == rhs.parameters.map { [$0.0, $0.1] }
    }
}

/// What to do with an incoming authorization request.
enum AuthorizationOutcome: Sendable {
    /// Show the login and consent page.
    case consent(AuthorizationRequest)
    /// Go straight back to the callback (an error, or `prompt=none` satisfied by the SSO session).
    case respond(AuthorizationResponse)
}

extension AuthorizationRequest {
    /// The LINE error codes an authorization request can be answered with at the callback.
    enum ErrorCode: String {
        case invalidRequest = "INVALID_REQUEST"
        case accessDenied = "ACCESS_DENIED"
        case unsupportedResponseType = "UNSUPPORTED_RESPONSE_TYPE"
        case invalidScope = "INVALID_SCOPE"
        case serverError = "SERVER_ERROR"
        case loginRequired = "LOGIN_REQUIRED"
        case interactionRequired = "INTERACTION_REQUIRED"
    }

    /// A callback carrying an error for this request, in the form its LINE Login version uses.
    func errorResponse(_ code: ErrorCode, _ description: String) -> AuthorizationResponse {
        var parameters: [(String, String)]
        switch version {
        case .v2_1:
            parameters = [("error", code.rawValue), ("error_description", description)]
        case .v2_0:
            parameters = [("error", code.rawValue.lowercased()), ("error_description", description)]
        }
        if !state.isEmpty { parameters.append(("state", state)) }
        return AuthorizationResponse(redirectURI: redirectURI, parameters: parameters, mode: responseMode, channelID: channelID)
    }

    /// The callback for a user who pressed Cancel.
    func deniedResponse() -> AuthorizationResponse {
        switch version {
        case .v2_1:
            return errorResponse(.accessDenied, "The resource owner denied the request.")
        case .v2_0:
            return AuthorizationResponse(
                redirectURI: redirectURI,
                parameters: [
                    ("error", "access_denied"), ("errorCode", "417"), ("errorMessage", "DISALLOWED"),
                    ("error_description", "The user has denied the approval"), ("state", state),
                ],
                mode: .query,
                channelID: channelID
            )
        }
    }
}

/// PKCE (RFC 7636) checks with the S256 method, the only one LINE supports.
enum PKCE {
    /// A `code_verifier`: 43–128 characters of `[A-Za-z0-9-._~]`.
    static func isValidVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(isUnreserved)
    }

    /// A `code_challenge`: the 43-character base64url SHA-256 digest.
    static func isValidChallenge(_ challenge: String) -> Bool {
        challenge.utf8.count == 43 && Base64URL.decode(challenge)?.count == 32
    }

    static func challenge(for verifier: String) -> String {
        Base64URL.encode(SHA256Digest.of(Data(verifier.utf8)))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
