import Foundation
import HTTPTypes
import Hummingbird
import LineCore
import Logging
import NIOCore

extension HTTPField.Name {
    static let lineRequestID = HTTPField.Name("x-line-request-id")!
}

/// Gives every response its `x-line-request-id` and turns every error into a LINE-shaped response, so nothing
/// reaches the client as a bare 500 or a dropped connection.
struct PlatformResponseMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as PlatformError {
            response = render(error)
        } catch let error as any HTTPResponseError {
            switch error.status {
            case .notFound: response = render(.notFound)
            case .contentTooLarge: response = render(.payloadTooLarge)
            case .badRequest: response = render(.message(400, "The request could not be parsed"))
            default: response = render(.message(Int(error.status.code), error.status.reasonPhrase))
            }
        } catch {
            context.logger.error(
                "unexpected error: \(String(reflecting: error))",
                metadata: ["line.request_id": .string(context.requestID)]
            )
            response = render(.message(500, "Internal server error"))
        }
        response.headers[.lineRequestID] = context.requestID
        return response
    }

    func render(_ error: PlatformError) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        switch error.body {
        case .oauth(let code, let description):
            return .json(OAuthErrorBody(error: code, error_description: description), status: status)
        case .message(let message, let details):
            return .json(MessageErrorBody(message: message, details: details.isEmpty ? nil : details), status: status)
        case .page(let title, let detail):
            return .html(pages.render(.error, ErrorPage(title: title, detail: detail)), status: status)
        }
    }
}

/// `{"error", "error_description"}` in that order on every response (a dictionary would change order between requests).
private struct OAuthErrorBody: Encodable {
    var error: String
    var error_description: String?
}

private struct MessageErrorBody: Encodable {
    var message: String
    var details: [PlatformError.Detail]?
}

struct ErrorPage {
    var title: String
    var detail: String
}

/// A response body on a hot path, written with `JSONWriter` instead of `JSONEncoder`.
///
/// `Encodable` stays the definition of the body: a test checks that both give the same JSON.
protocol JSONWritable: Encodable {
    func write(to writer: inout JSONWriter)
}

extension JSONWritable {
    var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}

extension Response {
    /// A JSON response: `JSONWritable` bodies through their writer, others with the emulator's encoder.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        if let writable = value as? any JSONWritable { return .jsonData(writable.jsonBytes, status: status) }
        let data = (try? JSONEncoding.encoder.encode(value)) ?? Data("{}".utf8)
        return .jsonData(data, status: status)
    }

    static func jsonData(_ bytes: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    static func html(_ html: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action *; frame-ancestors 'none'; script-src 'sha256-\(PageRenderer.autoSubmitScriptHash)'"
        fields[.xFrameOptions] = "DENY"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func empty(_ status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentLength: "0"])
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
