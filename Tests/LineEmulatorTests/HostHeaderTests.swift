import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// DNS rebinding: a page that points its own name at 127.0.0.1 reaches the emulator with that name in `Host`
/// (issue 16, item 3), and requests with no or two `Host` headers (item 8).
@Suite("Host header: DNS rebinding, discovery, missing and repeated Host")
struct HostHeaderTests {
    @Test("the admin API and console refuse a Host the emulator does not serve, and show no secrets")
    func rebound() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            for host in ["evil.example:\(emulator.port)", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example:80"] {
                let channels = try await http.get("/_emulator/v1/channels", headers: [("Host", host)])
                #expect(channels.status == 403, "\(host)")
                #expect((channels.json["message"] as? String)?.contains("addressed to the emulator") == true, "\(channels.text)")
                #expect(!channels.text.contains(Fixture.web.channelSecret))
                let console = try await http.get("/_emulator/console", headers: [("Host", host)])
                #expect(console.status == 403)
                #expect(!console.text.contains(Fixture.web.channelSecret))
                let reset = try await http.admin(.POST, "/_emulator/v1/reset", headers: [("Host", host)])
                #expect(reset.status == 403)
            }
        }
    }

    @Test("the admin API answers the names the emulator serves, with any port")
    func served() async throws {
        try await TestEmulator.run(configure: { $0.publicBaseURL = "https://line.test:8443" }) { emulator in
            let http = RawHTTP(emulator)
            for host in [
                "127.0.0.1:\(emulator.port)", "localhost:\(emulator.port)", "LOCALHOST", "[::1]:\(emulator.port)", "10.0.2.2:8123",
                "line.test",
            ] {
                let health = try await http.get("/_emulator/v1/health", headers: [("Host", host)])
                #expect(health.status == 200, "\(host)")
            }
        }
    }

    @Test("LINE's endpoints answer any Host; the discovery document does not repeat an unknown one")
    func discovery() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            #expect(try await http.get("/oauth2/v2.1/certs", headers: [("Host", "emulator.docker.internal")]).status == 200)
            let foreign = try await http.get("/.well-known/openid-configuration", headers: [("Host", "evil.example")])
            #expect(foreign.status == 200)
            #expect(foreign.json["token_endpoint"] as? String == "http://127.0.0.1:\(emulator.port)/oauth2/v2.1/token", "\(foreign.text)")
            #expect(!foreign.text.contains("evil"))
            let local = try await http.get("/.well-known/openid-configuration", headers: [("Host", "localhost:\(emulator.port)")])
            #expect(local.json["token_endpoint"] as? String == "http://localhost:\(emulator.port)/oauth2/v2.1/token")
        }
        try await TestEmulator.run(configure: { $0.publicBaseURL = "https://line.test" }) { emulator in
            let configured = try await RawHTTP(emulator).get("/.well-known/openid-configuration", headers: [("Host", "evil.example")])
            #expect(configured.json["jwks_uri"] as? String == "https://line.test/oauth2/v2.1/certs")
        }
    }

    @Test(
        "a request with no Host or two Host headers gets 400 in the endpoint's error shape",
        arguments: [
            ("GET /_emulator/v1/health HTTP/1.1\r\n", "message"), ("GET /v2/profile HTTP/1.1\r\n", "message"),
            ("POST /oauth2/v2.1/token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n", "error"),
        ]
    )
    func missingOrRepeatedHost(requestLine: String, errorField: String) async throws {
        try await TestEmulator.run { emulator in
            for hosts in [[], ["127.0.0.1", "evil.example"], ["evil.example", "127.0.0.1"]] {
                let head = requestLine + hosts.map { "Host: \($0)\r\n" }.joined() + "Connection: close\r\n\r\n"
                let reply = try #require(try await RawSocket.exchange(port: emulator.port, Array(head.utf8)), "\(hosts)")
                #expect(reply.status == 400, "\(hosts): \(reply.head)")
                #expect(reply.json[errorField] is String, "\(reply.body)")
                #expect(reply.header("x-line-request-id") != nil)
            }
        }
    }
}
