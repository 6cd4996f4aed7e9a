import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Common behaviour")
struct CommonTests {
    @Test(
        "every response carries x-line-request-id: 16 lowercase hexadecimal digits, new for each request",
        arguments: [
            ("GET", "/_emulator/v1/health"), ("GET", "/nowhere"), ("PUT", "/oauth2/v2.1/token"), ("POST", "/oauth2/v2.1/token"),
            ("GET", "/v2/profile"), ("GET", "/oauth2/v2.1/authorize"), ("GET", "/oauth2/v2.1/certs"),
        ]
    )
    func requestID(method: String, path: String) async throws {
        try await TestEmulator.run { emulator in
            let first = try await RawHTTP(emulator).send(.init(rawValue: method), path)
            let second = try await RawHTTP(emulator).send(.init(rawValue: method), path)
            let id = try #require(first.requestID)
            #expect(id.count == 16)
            #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(second.requestID != id)
        }
    }

    @Test("an unknown path is 404 with a JSON body")
    func notFound() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get("/v2/bot/nothing")
            #expect(response.status == 404)
            #expect(response.json["message"] as? String == "Not found")
        }
    }

    @Test(
        "a wrong method is 405 with a JSON body and Allow",
        arguments: [
            ("DELETE", "/oauth2/v2.1/token", "POST"), ("GET", "/oauth2/v2.1/revoke", "POST"),
            ("PUT", "/oauth2/v2.1/verify", "GET, POST, HEAD"),
            ("POST", "/v2/profile", "GET, HEAD"),
        ]
    )
    func methodNotAllowed(method: String, path: String, allow: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).send(.init(rawValue: method), path)
            #expect(response.status == 405)
            #expect(response.json["message"] as? String == "Method not allowed")
            #expect(response.headers.first(name: "Allow") == allow)
        }
    }

    @Test("a body over 2 MB is 413", arguments: [true, false])
    func payloadTooLarge(declaresLength: Bool) async throws {
        try await TestEmulator.run { emulator in
            let body = Data(repeating: UInt8(ascii: "a"), count: 2 * 1024 * 1024 + 1)
            var headers = [("Content-Type", "application/x-www-form-urlencoded")]
            if !declaresLength { headers.append(("Transfer-Encoding", "chunked")) }
            let response = try await RawHTTP(emulator).send(.POST, "/oauth2/v2.1/token", headers: headers, body: body)
            #expect(response.status == 413)
            #expect(response.json["message"] as? String == "Request Entity Too Large")
        }
    }

    @Test(
        "malformed form bodies get a LINE-shaped 400, never a 500",
        arguments: [
            Data([0x67, 0x72, 0x61, 0x6e, 0x74, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x3d, 0xff, 0xfe]),
            Data("grant_type=authorization_code&code=%".utf8),
            Data("&&&===&&".utf8),
            Data(String(repeating: "x=1&", count: 100_000).utf8),
            Data("grant_type=refresh_token&refresh_token=\(String(repeating: "r", count: 1_000_000))&client_id=2000000001".utf8),
        ]
    )
    func malformedForms(body: Data) async throws {
        try await TestEmulator.run { emulator in
            for path in ["/oauth2/v2.1/token", "/oauth2/v2.1/verify", "/oauth2/v2.1/revoke", "/v2/oauth/accessToken", "/v2/oauth/verify"] {
                let response = try await RawHTTP(emulator).send(
                    .POST,
                    path,
                    headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: body
                )
                #expect((400..<500).contains(response.status), "\(path): \(response.status) \(response.text)")
                #expect(response.json["error"] is String, "\(path): \(response.text)")
            }
        }
    }

    @Test(
        "an empty, blank or parameter-only Content-Type is a LINE-shaped 4xx on every body-reading family",
        arguments: ["", " ", ";", " ; charset=utf-8", "\tAPPLICATION/X-WWW-FORM-URLENCODED ; charset=utf-8"]
    )
    func oddContentTypes(contentType: String) async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let form = try await http.send(
                .POST,
                "/oauth2/v2.1/token",
                headers: [("Content-Type", contentType)],
                body: Data("grant_type=refresh_token&refresh_token=x&client_id=2000000001".utf8)
            )
            #expect((400..<500).contains(form.status), "\(form.status) \(form.text)")
            #expect(form.json["error"] is String, "\(form.text)")
            let push = try await http.send(.POST, "/v2/bot/message/push", headers: [("Content-Type", contentType)], body: Data("{}".utf8))
            #expect((400..<500).contains(push.status), "\(push.status) \(push.text)")
            #expect(push.json["message"] is String, "\(push.text)")
            let admin = try await http.send(.POST, "/_emulator/v1/users", headers: [("Content-Type", contentType)], body: Data("{}".utf8))
            #expect((400..<500).contains(admin.status), "\(admin.status) \(admin.text)")
        }
    }

    @Test("a query string with an absurd length is handled")
    func longQuery() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get("/oauth2/v2.1/verify?access_token=" + String(repeating: "a", count: 60_000))
            #expect((400..<500).contains(response.status))
        }
    }

    @Test("the discovery document points at the emulator and keeps LINE's issuer")
    func discovery() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get("/.well-known/openid-configuration")
            #expect(response.status == 200)
            let base = emulator.baseURL.absoluteString
            #expect(response.json["issuer"] as? String == "https://access.line.me")
            #expect(response.json["authorization_endpoint"] as? String == base + "/oauth2/v2.1/authorize")
            #expect(response.json["token_endpoint"] as? String == base + "/oauth2/v2.1/token")
            #expect(response.json["revocation_endpoint"] as? String == base + "/oauth2/v2.1/revoke")
            #expect(response.json["userinfo_endpoint"] as? String == base + "/oauth2/v2.1/userinfo")
            #expect(response.json["jwks_uri"] as? String == base + "/oauth2/v2.1/certs")
            #expect(response.json["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(response.json["id_token_signing_alg_values_supported"] as? [String] == ["ES256"])
            #expect(response.json["subject_types_supported"] as? [String] == ["pairwise"])
        }
    }

    @Test("a configured issuer is used in ID tokens and discovery")
    func configuredIssuer() async throws {
        try await TestEmulator.run(configure: { $0.issuer = "http://line.test" }) { emulator in
            let (_, claims) = try Fixture.decodeJWT(try #require(try await Fixture.login(emulator)["id_token"] as? String))
            #expect(claims["iss"] as? String == "http://line.test")
            #expect(try await RawHTTP(emulator).get("/.well-known/openid-configuration").json["issuer"] as? String == "http://line.test")
        }
    }

    @Test("100 concurrent logins all succeed with distinct tokens")
    func concurrentLogins() async throws {
        try await TestEmulator.run { emulator in
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let user = Seed.defaultUsers[index % 3]
                        return try #require(try await Fixture.login(emulator, user: user)["access_token"] as? String)
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 100)
        }
    }
}
