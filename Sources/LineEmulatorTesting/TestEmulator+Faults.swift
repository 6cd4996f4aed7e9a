import AsyncHTTPClient
import Foundation
import LineEmulator
import NIOCore
import NIOHTTP1

extension TestEmulator {
    /// Adds a fault rule through the admin API (`POST /_emulator/v1/faults`), e.g. a 500 on the token endpoint:
    /// `try await emulator.injectFault(FaultInjector.Rule(method: "POST", path: "/oauth2/v2.1/token", action: .status, status: 500, count: 1))`.
    ///
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` with the admin API's answer when it refuses the
    ///   rule (400 for an invalid rule, 409 for a duplicate ID), or an `HTTPClientError` when it cannot be reached.
    public func injectFault(_ rule: FaultInjector.Rule) async throws {
        var request = HTTPClientRequest(url: baseURL.absoluteString + "/_emulator/v1/faults")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(rule)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .created else {
            throw TestEmulatorError.unexpectedPage(status: Int(response.status.code), body: String(buffer: body))
        }
    }

    /// The request IDs the emulator logged for `path` with `status` (`GET /_emulator/v1/requests`), newest first.
    ///
    /// - Throws: an `HTTPClientError` when the emulator cannot be reached, or a `DecodingError` when its answer is not
    ///   the request log.
    public func loggedRequestIDs(path: String, status: Int) async throws -> [String] {
        let query = "path=\(Self.formEncode(path))&status=\(status)"
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: baseURL.absoluteString + "/_emulator/v1/requests?" + query),
            timeout: .seconds(10)
        )
        struct Log: Decodable {
            struct Entry: Decodable { var requestID: String }
            var requests: [Entry]
        }
        let body = try await response.body.collect(upTo: 4 << 20)
        return try JSONDecoder().decode(Log.self, from: Data(body.readableBytesView)).requests.map(\.requestID)
    }
}
