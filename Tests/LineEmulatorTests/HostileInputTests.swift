import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

/// A corpus of malformed requests over every endpoint, sent over raw sockets: no 5xx, no hang, the emulator alive
/// afterwards, and LINE's error shape on every refusal (issue 16, "Also").
@Suite("Hostile input")
struct HostileInputTests {
    /// Every route the emulator answers (LINE's, the admin API's and the console's), with a method it takes.
    static let endpoints: [(method: String, path: String)] = [
        ("GET", "/oauth2/v2.1/authorize"), ("GET", "/dialog/oauth/weblogin"), ("POST", "/oauth2/v2.1/authorize/consent"),
        ("POST", "/oauth2/v2.1/token"), ("GET", "/oauth2/v2.1/verify"), ("POST", "/oauth2/v2.1/verify"), ("POST", "/oauth2/v2.1/revoke"),
        ("GET", "/oauth2/v2.1/certs"), ("GET", "/.well-known/openid-configuration"), ("GET", "/oauth2/v2.1/userinfo"),
        ("POST", "/oauth2/v2.1/userinfo"), ("GET", "/v2/profile"), ("GET", "/friendship/v1/status"), ("POST", "/user/v1/deauthorize"),
        ("POST", "/v2/oauth/accessToken"), ("POST", "/v2/oauth/verify"), ("POST", "/v2/oauth/revoke"), ("GET", "/oauth2/v2.1/tokens/kid"),
        ("POST", "/oauth2/v3/token"), ("POST", "/v2/bot/message/push"), ("GET", "/_emulator/v1/health"), ("GET", "/_emulator/v1/channels"),
        ("POST", "/_emulator/v1/channels"), ("POST", "/_emulator/v1/channels/2000000003/tokens"),
        ("POST", "/_emulator/v1/channels/2000000003/keys"), ("GET", "/_emulator/v1/messages"), ("POST", "/_emulator/v1/faults"),
        ("DELETE", "/_emulator/v1/faults/x"), ("GET", "/_emulator/v1/requests"), ("PUT", "/_emulator/v1/rate-limits"),
        ("POST", "/_emulator/v1/users"), ("GET", "/_emulator/v1/users/U0/consents"), ("POST", "/_emulator/v1/clock/advance"),
        ("GET", "/_emulator/console"), ("GET", "/_emulator/console/messages"), ("POST", "/_emulator/console/users"),
        ("POST", "/_emulator/console/clock/advance"), ("POST", "/_emulator/console/faults"), ("GET", "/nowhere"),
        ("POST", "/v2/bot/message/multicast"), ("POST", "/v2/bot/message/broadcast"), ("POST", "/v2/bot/message/narrowcast"),
        ("GET", "/v2/bot/message/progress/narrowcast"),
        ("PUT", "/v2/bot/channel/webhook/endpoint"), ("GET", "/v2/bot/channel/webhook/endpoint"), ("POST", "/v2/bot/channel/webhook/test"),
        ("POST", "/v2/bot/message/reply"), ("PUT", "/_emulator/v1/channels/2000000001/link"),
        ("PUT", "/_emulator/v1/channels/2000000003/webhook"), ("POST", "/_emulator/v1/users/U1f2a3b4c5d6e7f8091a2b3c4d5e6f701/actions"),
        ("GET", "/_emulator/v1/webhook-deliveries"), ("POST", "/_emulator/v1/webhook-deliveries/x/redeliver"),
        ("GET", "/_emulator/console/webhooks"), ("POST", "/_emulator/console/webhooks/2000000003"),
        ("POST", "/_emulator/console/messages/act"),
    ]

    /// A malformed variant of a request: extra query, headers and a body (raw bytes, framed by the corpus).
    struct Variant: Sendable {
        var name: String
        var method: String? = nil
        var query: String = ""
        var headers: [String] = []
        var body: [UInt8] = []
        var chunked: [UInt8]? = nil
    }

    static let deepJSON = Array(String(repeating: "[", count: 100_000).utf8) + Array(String(repeating: "]", count: 100_000).utf8)
    static let huge = String(repeating: "A", count: 200_000)
    static let repeated = (0..<2_000).map { "client_id=\($0)" }.joined(separator: "&")

    static let variants: [Variant] = [
        Variant(name: "bad JSON", headers: ["Content-Type: application/json"], body: Array(#"{"to": "U1", "messages": [ "#.utf8)),
        Variant(name: "JSON not an object", headers: ["Content-Type: application/json"], body: Array("[1e999, null]".utf8)),
        Variant(name: "deeply nested JSON", headers: ["Content-Type: application/json"], body: deepJSON),
        Variant(name: "text/plain form", headers: ["Content-Type: text/plain"], body: Array("grant_type=client_credentials".utf8)),
        Variant(name: "no content type", body: Array(#"{"displayName":"x"}"#.utf8)),
        Variant(name: "multipart", headers: ["Content-Type: multipart/form-data; boundary=--x"], body: Array("----x--\r\n".utf8)),
        Variant(
            name: "invalid UTF-8 form",
            headers: ["Content-Type: application/x-www-form-urlencoded"],
            body: [0x61, 0x3D, 0xFF, 0xFE, 0xC0]
        ),
        Variant(name: "invalid UTF-8 JSON", headers: ["Content-Type: application/json"], body: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]),
        Variant(name: "invalid UTF-8 query", query: "client_id=%FF%FE&state=%C0%AF"),
        Variant(name: "NUL in query", query: "client_id=20%0000001&redirect_uri=http%3A%2F%2F127.0.0.1%00.evil&access_token=a%00b"),
        Variant(
            name: "NUL in form",
            headers: ["Content-Type: application/x-www-form-urlencoded"],
            body: Array("grant_type=authorization_code%00&code=a%00&client_id=2000000001".utf8)
        ),
        Variant(
            name: "NUL in JSON",
            headers: ["Content-Type: application/json"],
            body: Array(#"{"displayName":"a\u0000b","to":"U\u0000"}"#.utf8)
        ),
        Variant(
            name: "broken percent-encoding",
            query: "client_id=%zz&scope=%",
            headers: ["Content-Type: application/x-www-form-urlencoded"],
            body: Array("a=%G1&b=%".utf8)
        ),
        Variant(
            name: "huge parameter",
            query: "state=" + String(huge.prefix(30_000)),
            headers: ["Content-Type: application/x-www-form-urlencoded"],
            body: Array(("code=" + huge).utf8)
        ),
        Variant(
            name: "repeated parameters",
            query: String(repeated.prefix(20_000)),
            headers: ["Content-Type: application/x-www-form-urlencoded"],
            body: Array(repeated.utf8)
        ),
        Variant(
            name: "odd Authorization",
            headers: ["Authorization: Bearer \u{1}\u{7f}" + String(repeating: "x", count: 10_000), "Authorization: Basic ="]
        ),
        Variant(name: "odd cookies", headers: ["Cookie: linekit_csrf=; linekit_sso=....; linekit_console=\u{7f}; =;;"]),
        Variant(name: "broken chunk size", headers: ["Content-Type: application/json"], chunked: Array("zz\r\n{}\r\n0\r\n\r\n".utf8)),
        Variant(
            name: "chunk longer than said",
            headers: ["Content-Type: application/x-www-form-urlencoded"],
            chunked: Array("2\r\nabcdef\r\n0\r\n\r\n".utf8)
        ),
        Variant(name: "odd method", method: "PROPFIND"),
        Variant(name: "unknown method", method: "BREW"),
        Variant(name: "lower-case method", method: "get"),
    ]

    /// The bytes of `variant` applied to an endpoint.
    static func request(_ endpoint: (method: String, path: String), _ variant: Variant, port: Int) -> [UInt8] {
        let target = endpoint.path + (variant.query.isEmpty ? "" : "?" + variant.query)
        var head = "\(variant.method ?? endpoint.method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for header in variant.headers { head += header + "\r\n" }
        if let chunked = variant.chunked {
            return Array((head + "Transfer-Encoding: chunked\r\n\r\n").utf8) + chunked
        }
        return Array((head + "Content-Length: \(variant.body.count)\r\n\r\n").utf8) + variant.body
    }

    /// Whether a refusal is in one of LINE's shapes: `{"error"}` or `{"message"}` JSON, or an HTML error page.
    static func hasErrorShape(_ reply: RawReply) -> Bool {
        if reply.header("Content-Type")?.hasPrefix("text/html") == true {
            return reply.body.contains("<html") || reply.body.contains("<!doctype")
        }
        let json = reply.json
        return json["error"] is String || json["message"] is String
    }

    @Test("the malformed-request corpus gets no 5xx, no hang, LINE's error shapes, and the emulator stays up")
    func corpus() async throws {
        try await TestEmulator.run { emulator in
            let cases = Self.endpoints.flatMap { endpoint in Self.variants.map { (endpoint, $0) } }
            var failures: [String] = []
            var answered = 0
            var next = 0
            try await withThrowingTaskGroup(of: String?.self) { group in
                func start() {
                    guard next < cases.count else { return }
                    let (endpoint, variant) = cases[next]
                    next += 1
                    let bytes = Self.request(endpoint, variant, port: emulator.port)
                    group.addTask {
                        let label = "\(endpoint.method) \(endpoint.path) [\(variant.name)]"
                        guard let reply = try await RawSocket.exchange(port: emulator.port, bytes, timeout: .seconds(10)) else {
                            return "\(label): no answer within 10 s"
                        }
                        if reply.status >= 500 { return "\(label): \(reply.status) \(reply.body.prefix(200))" }
                        if reply.status >= 400 && !Self.hasErrorShape(reply) {
                            return "\(label): \(reply.status) not in LINE's shape: \(reply.body.prefix(200))"
                        }
                        return nil
                    }
                }
                for _ in 0..<8 { start() }
                while let failure = try await group.next() {
                    answered += 1
                    if let failure { failures.append(failure) }
                    start()
                }
            }
            #expect(answered == cases.count)
            #expect(failures.isEmpty, "\(failures.count) of \(cases.count) requests:\n\(failures.prefix(40).joined(separator: "\n"))")
            let health = try await RawHTTP(emulator).get("/_emulator/v1/health")
            #expect(health.status == 200, "the emulator is still up after \(cases.count) malformed requests")
        }
    }
}
