import Foundation
import Hummingbird

/// The user-facing LINE Login APIs: profile, userinfo, friendship status and deauthorize.
struct UserAPIRoutes {
    let login: LoginService

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
            let body: DeauthorizeBody = try await request.messagingJSON(context: context)
            guard let userAccessToken = body.userAccessToken, !userAccessToken.isEmpty else {
                throw PlatformError.validation([.init(message: "must be specified", property: "userAccessToken")])
            }
            try await login.deauthorize(channelBearer: request.bearerToken, userAccessToken: userAccessToken)
            return .empty(.noContent)
        }
    }
}

private struct DeauthorizeBody: Decodable {
    var userAccessToken: String?
}

extension Request {
    /// A JSON body for a Messaging-style endpoint, with LINE's errors for a wrong content type or unparsable JSON.
    mutating func messagingJSON<Body: Decodable>(context: EmulatorRequestContext) async throws -> Body {
        let contentType = headers[.contentType] ?? ""
        let buffer = try await collectLimitedBody(context: context)
        guard contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json" else {
            throw PlatformError.message(415, "The content type, \(contentType.isEmpty ? "(none)" : contentType), is not supported")
        }
        let data = Data(buffer.readableBytesView)
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw PlatformError.message(400, "The request body could not be parsed as JSON")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch DecodingError.typeMismatch(_, let context) {
            let property = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw PlatformError.validation([.init(message: "Invalid type", property: property)])
        }
    }
}
