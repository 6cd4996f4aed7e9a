import HTTPTypes
import Hummingbird

/// Collects the emulator's routes, then registers them on a Hummingbird router together with `HEAD` for every `GET`
/// and a JSON 405 for every other method on a known path (Hummingbird itself answers 404 there).
struct RouteTable {
    typealias Handler = @Sendable (Request, EmulatorRequestContext) async throws -> Response

    private var routes: [(path: String, method: HTTPRequest.Method, handler: Handler)] = []

    mutating func on(_ path: String, _ method: HTTPRequest.Method, use handler: @escaping Handler) {
        routes.append((path, method, handler))
    }

    func register(on router: Router<EmulatorRequestContext>) {
        var methodsByPath: [String: Set<HTTPRequest.Method>] = [:]
        var order: [String] = []
        for route in routes {
            router.on(RouterPath(route.path), method: route.method, use: route.handler)
            if methodsByPath[route.path] == nil { order.append(route.path) }
            methodsByPath[route.path, default: []].insert(route.method)
            if route.method == .get {
                router.on(RouterPath(route.path), method: .head, use: Self.head(of: route.handler))
                methodsByPath[route.path, default: []].insert(.head)
            }
        }
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]
        for path in order {
            let allowed = methodsByPath[path] ?? []
            let allowHeader = methods.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            for method in methods where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    var response = Response.json(["message": "Method not allowed"], status: .methodNotAllowed)
                    response.headers[.allow] = allowHeader
                    return response
                }
            }
        }
    }

    /// `HEAD` for a `GET` route: the GET's status and headers, with its `Content-Length` but no body (RFC 9110 §9.3.2).
    private static func head(of get: @escaping Handler) -> Handler {
        { request, context in
            var response = try await get(request, context)
            let length = response.body.contentLength
            response.body = ResponseBody()
            if let length { response.headers[.contentLength] = String(length) }
            return response
        }
    }
}
