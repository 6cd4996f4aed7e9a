import Foundation
import Hummingbird

/// The user-facing LINE Login APIs: profile, userinfo, friendship status and deauthorize.
struct UserAPIRoutes {
    let login: LoginService
    let channelTokens: ChannelTokenService

    func register(on routes: inout RouteTable) {
        routes.on("/v2/profile", .get) { request, _ in
            .json(try await login.profile(bearer: request.bearerToken))
        }
        for method in [HTTPRequest.Method.get, .post] {
            routes.on("/oauth2/v2.1/userinfo", method) { request, _ in
                .json(try await login.userInfo(bearer: request.bearerToken))
            }
        }
        routes.on("/friendship/v1/status", .get) { request, _ in
            .json(try await login.friendship(bearer: request.bearerToken))
        }
        routes.on("/user/v1/deauthorize", .post) { request, context in
            var request = request
            guard request.bearerToken != nil || request.headers[.authorization] == nil else { throw PlatformError.invalidBearerToken }
            // Only v2.1 and stateless channel access tokens may deauthorize (the *LINE Login v2.1 API reference*, "Deauthorize").
            let (channelID, kind) = try await channelTokens.authenticate(bearer: request.bearerToken)
            guard kind != .shortLived else { throw PlatformError.invalidBearerToken }
            let body: DeauthorizeBody = try await request.messagingJSON(context: context)
            guard let userAccessToken = body.userAccessToken, !userAccessToken.isEmpty else {
                throw PlatformError.validation([.init(message: "must be specified", property: "userAccessToken")])
            }
            try await login.deauthorize(channelID: channelID, userAccessToken: userAccessToken)
            return .empty(.noContent)
        }
    }
}

private struct DeauthorizeBody: Decodable {
    var userAccessToken: String?
}
