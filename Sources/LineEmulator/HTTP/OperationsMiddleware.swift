import Foundation
import HTTPTypes
import Hummingbird

/// Records every request in the request log (outermost, so it sees the final status).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let log: RequestLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        log.record(
            RequestLog.Entry(
                requestID: context.requestID,
                time: Date(),
                method: request.method.rawValue,
                path: request.uri.path,
                status: Int(response.status.code),
                durationMilliseconds: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            )
        )
        return response
    }
}

/// Applies the fault rules to LINE's endpoints (never to the emulator's own `/_emulator` paths).
struct FaultMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let faults: FaultInjector
    let channelTokens: ChannelTokenService
    let store: any EmulatorStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let method = request.method.rawValue
        guard !path.hasPrefix("/_emulator"), faults.hasRules(for: method, path: path) else { return try await next(request, context) }
        guard let rule = try await faults.fire(method: method, path: path, channelID: await channelID(of: request)) else {
            return try await next(request, context)
        }
        switch rule.action {
        case .latency:
            try await Task.sleep(for: .milliseconds(rule.latencyMs ?? 0))
            return try await next(request, context)
        case .status:
            throw PlatformError.forEndpoint(path: path, status: rule.status ?? 500, "Injected by the emulator's fault rule \(rule.id)")
        case .drop:
            // Promise a body and close the connection before sending it: the client sees the connection drop.
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: 64) { _ in throw CancellationError() }
            )
        }
    }

    /// The channel a request belongs to: its `client_id` parameter, or the channel of its Bearer token.
    private func channelID(of request: Request) async -> String? {
        if let query = try? Parameters(urlEncoded: request.uri.query ?? ""), let clientID = query.nonEmpty("client_id") { return clientID }
        guard let bearer = request.bearerToken else { return nil }
        if let channel = try? await channelTokens.authenticate(bearer: bearer) { return channel.channelID }
        return try? await store.userToken(accessToken: bearer)?.channelID
    }
}
