import Foundation
import Hummingbird

/// The OAuth endpoints of `api.line.me` for LINE Login v2.1 and v2.0, plus discovery and the JWKS.
///
/// Several paths are shared with channel access tokens (LINE serves both on one host); they dispatch on `grant_type` and the token.
struct OAuthRoutes {
    let login: LoginService
    let channelTokens: ChannelTokenService
    let configuredBaseURL: String?
    let hosts: ServedHosts

    func register(on routes: inout RouteTable) {
        routes.on("/oauth2/v2.1/token", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            try Self.rejectRepeated(form)
            switch form["grant_type"] {
            case "authorization_code": return .token(try await login.exchangeCode(form))
            case "refresh_token": return .token(try await login.refresh(form))
            case "client_credentials": return .token(try await channelTokens.issueByJWT(form))
            case nil, "": throw PlatformError.invalidRequest("grant_type is required")
            default: throw PlatformError.oauth(400, "unsupported_grant_type", "unsupported grant_type")
            }
        }
        routes.on("/oauth2/v2.1/verify", .get) { request, _ in
            let parameters = try request.queryParameters(orThrow: .invalidRequest("The query string is not correctly percent-encoded"))
            if let token = parameters.nonEmpty("access_token"), parameters.repeatedNames.isEmpty,
                let channelToken = try await channelTokens.verifyJWTToken(token)
            {
                return .json(channelToken)
            }
            return .json(try await login.verifyAccessToken(parameters))
        }
        routes.on("/oauth2/v2.1/verify", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            return .jsonData(try await login.verifyIDToken(form))
        }
        routes.on("/oauth2/v2.1/revoke", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            try Self.rejectRepeated(form)
            if let token = form.nonEmpty("access_token"), try await channelTokens.handlesRevoke(of: token, clientID: form["client_id"]) {
                try await channelTokens.revokeJWTToken(form)
            } else {
                try await login.revoke(form)
            }
            return .empty()
        }
        routes.on("/oauth2/v2.1/tokens/kid", .get) { request, _ in
            let parameters = try request.queryParameters(orThrow: .invalidRequest("The query string is not correctly percent-encoded"))
            return .json(["kids": try await channelTokens.keyIDs(parameters)])
        }
        routes.on("/oauth2/v3/token", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            try Self.rejectRepeated(form)
            return .token(try await channelTokens.issueStateless(form))
        }
        let jwks = login.keys.jwksJSON
        // Cacheable, as LINE's are; LINE does not document for how long, so the emulator says an hour (docs/FIDELITY.md).
        routes.on("/oauth2/v2.1/certs", .get) { _, _ in Response.jsonData(jwks).cacheable(for: Self.metadataMaxAge) }
        routes.on("/.well-known/openid-configuration", .get) { request, context in
            Response.json(DiscoveryDocument(issuer: login.issuer, baseURL: configuredBaseURL ?? discoveryBaseURL(request, context)))
                .cacheable(for: Self.metadataMaxAge)
        }

        routes.on("/v2/oauth/accessToken", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            try Self.rejectRepeated(form)
            switch form["grant_type"] {
            case "authorization_code": return .token(try await login.exchangeCodeV2(form))
            case "refresh_token": return .token(try await login.refreshV2(form))
            case "client_credentials": return .token(try await channelTokens.issueShortLived(form))
            default: throw PlatformError.invalidRequest("some parameters missed or invalid")
            }
        }
        routes.on("/v2/oauth/verify", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            if let token = form.nonEmpty("access_token"), !LoginService.isWellFormedToken(token) {
                throw PlatformError.invalidRequest("access_token in invalid format")
            }
            if let token = form.nonEmpty("access_token"), let channelToken = try await channelTokens.verifyShortLived(token) {
                return .json(channelToken)
            }
            return .json(try await login.verifyAccessTokenV2(form))
        }
        routes.on("/v2/oauth/revoke", .post) { request, context in
            var request = request
            let form = try await request.oauthForm(context: context)
            if form.nonEmpty("refresh_token") == nil, let token = form.nonEmpty("access_token") {
                guard LoginService.looksLikeJWS(token) else { throw PlatformError.oauth(400, "invalid_request", nil) }
                if try await channelTokens.isChannelToken(token) {
                    try await channelTokens.revokeShortLived(token)
                    return .empty()
                }
            }
            try await login.revokeV2(form)
            return .empty()
        }
    }

    /// The base URL the client used when its `Host` is a name the emulator serves, else the address it connected to.
    private func discoveryBaseURL(_ request: Request, _ context: EmulatorRequestContext) -> String {
        if let host = request.head.authority, hosts.contains(authority: host) { return request.baseURL }
        return context.localBaseURL
    }

    /// Seconds the discovery document and the JWKS may be cached.
    static let metadataMaxAge = 3600

    private static func rejectRepeated(_ form: Parameters) throws {
        if let name = form.repeatedNames.first { throw PlatformError.invalidRequest("\(name) must not be repeated") }
    }
}

/// `/.well-known/openid-configuration`, as LINE serves it (its discovery document) but pointing at this emulator.
struct DiscoveryDocument: Encodable {
    var issuer: String
    var authorization_endpoint: String
    var token_endpoint: String
    var revocation_endpoint: String
    var userinfo_endpoint: String
    var scopes_supported = ["openid", "profile", "email"]
    var jwks_uri: String
    var response_types_supported = ["code"]
    var subject_types_supported = ["pairwise"]
    var id_token_signing_alg_values_supported = ["ES256"]
    var code_challenge_methods_supported = ["S256"]

    init(issuer: String, baseURL: String) {
        self.issuer = issuer
        authorization_endpoint = baseURL + "/oauth2/v2.1/authorize"
        token_endpoint = baseURL + "/oauth2/v2.1/token"
        revocation_endpoint = baseURL + "/oauth2/v2.1/revoke"
        userinfo_endpoint = baseURL + "/oauth2/v2.1/userinfo"
        jwks_uri = baseURL + "/oauth2/v2.1/certs"
    }
}
