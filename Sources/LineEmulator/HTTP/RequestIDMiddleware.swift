import Foundation
import Hummingbird

/// Gives each request its `x-line-request-id` in the format of its API family: Messaging API responses carry a
/// UUID (as LINE's Messaging API reference shows), LINE Login and everything else 16 lowercase hexadecimal digits
/// (LINE Login's development guidelines show `8d48c8577e739b9c`). Outermost, so every later step logs the same ID.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v2/bot/") else { return try await next(request, context) }
        var context = context
        context.requestID = UUID().uuidString.lowercased()
        return try await next(request, context)
    }
}
