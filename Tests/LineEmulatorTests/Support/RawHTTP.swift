import AsyncHTTPClient
import Foundation
import LineEmulatorTesting
import NIOCore
import NIOHTTP1
import Testing

/// A response as the wire gave it: tests assert raw status codes, headers and JSON field names.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var requestID: String? { headers.first(name: "x-line-request-id") }
    var location: String? { headers.first(name: "Location") }

    /// The query parameters of the `Location` header, form-decoded (`+` is a space, as in LINE's callbacks).
    var locationQuery: [String: String] {
        guard let location, let url = URL(string: location) else { return [:] }
        return Fixture.parameters(of: url)
    }
}

/// Raw HTTP against a test emulator, never following redirects.
struct RawHTTP {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    let baseURL: URL

    init(_ emulator: TestEmulator) {
        baseURL = emulator.baseURL
    }

    init(baseURL: URL) {
        self.baseURL = baseURL
    }

    func send(
        _ method: HTTPMethod,
        _ path: String,
        headers: [(String, String)] = [],
        body: Data? = nil
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 8 * 1024 * 1024)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }

    func get(_ path: String, bearer: String? = nil, headers: [(String, String)] = []) async throws -> RawResponse {
        try await send(.GET, path, headers: headers + (bearer.map { [("Authorization", "Bearer \($0)")] } ?? []))
    }

    /// POSTs an `application/x-www-form-urlencoded` body.
    func postForm(_ path: String, _ fields: [(String, String)], bearer: String? = nil) async throws -> RawResponse {
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        return try await send(.POST, path, headers: headers, body: Data(body.utf8))
    }

    func postJSON(_ path: String, _ object: Any, bearer: String? = nil) async throws -> RawResponse {
        var headers = [("Content-Type", "application/json")]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        return try await send(.POST, path, headers: headers, body: try JSONSerialization.data(withJSONObject: object))
    }

    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func query(_ fields: [(String, String)]) -> String {
        fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
