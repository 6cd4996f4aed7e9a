import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Wire format: byte-for-byte details")
struct WireFormatTests {
    /// A push with `rawBody` exactly as given (not re-serialized, so positions in it are known).
    static func push(_ emulator: TestEmulator, rawBody: String) async throws -> RawResponse {
        let token = try await PushTests.token(emulator)
        return try await RawHTTP(emulator).send(
            .POST,
            "/v2/bot/message/push",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
            body: Data(rawBody.utf8)
        )
    }

    @Test("identical requests get byte-identical JSON, members in a fixed order")
    func stableMemberOrder() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            var errors: Set<String> = []
            var discovery: Set<String> = []
            var groups: Set<String> = []
            _ = try await http.postJSON("/_emulator/v1/groups", ["groupName": "g", "memberIds": [Fixture.brown.userID]])
            for _ in 0..<20 {
                errors.insert(try await http.postForm("/oauth2/v2.1/token", [("grant_type", "authorization_code")]).text)
                discovery.insert(try await http.get("/.well-known/openid-configuration").text)
                groups.insert(try await http.get("/_emulator/v1/groups").text)
            }
            #expect(errors.count == 1)
            #expect(errors.first?.hasPrefix(#"{"error":"invalid_request","error_description":"#) == true, "\(errors)")
            #expect(discovery.count == 1)
            #expect(groups.count == 1)
        }
    }

    @Test("callback error redirects write spaces as + like LINE's examples")
    func plusForSpaces() async throws {
        try await TestEmulator.run { emulator in
            let callback = try await emulator.authorize(Fixture.authorizeURL(emulator, state: "0987poi"), choice: .cancel)
            #expect(
                callback.absoluteString
                    == Fixture.callback + "?error=ACCESS_DENIED&error_description=The+resource+owner+denied+the+request.&state=0987poi"
            )
            let missingScope = try await RawHTTP(emulator).get(
                "/oauth2/v2.1/authorize?"
                    + RawHTTP.query([
                        ("response_type", "code"), ("client_id", Fixture.web.channelID), ("redirect_uri", Fixture.callback), ("state", "s"),
                    ])
            )
            #expect(missingScope.location?.contains("error_description=scope+is+required&") == true, "\(missingScope.location ?? "")")
        }
    }

    @Test(
        "HEAD on a GET endpoint answers as GET, without a body",
        arguments: ["/.well-known/openid-configuration", "/oauth2/v2.1/certs", "/_emulator/v1/health", "/_emulator/console/users"]
    )
    func head(path: String) async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let get = try await http.get(path)
            let head = try await http.send(.HEAD, path)
            #expect(head.status == get.status)
            #expect(head.body.isEmpty)
            #expect(head.headers.first(name: "Content-Type") == get.headers.first(name: "Content-Type"))
            #expect(head.headers.first(name: "Content-Length") == String(get.body.count))
            #expect(head.requestID?.count == 16)
        }
    }

    @Test("the discovery document and JWKS may be cached; token responses carry Cache-Control: no-store and Pragma: no-cache")
    func caching() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            for path in ["/.well-known/openid-configuration", "/oauth2/v2.1/certs"] {
                #expect(try await http.get(path).headers.first(name: "Cache-Control") == "public, max-age=3600")
            }
            let login = try await Fixture.code(emulator)
            let token = try await http.postForm(
                "/oauth2/v2.1/token",
                [
                    ("grant_type", "authorization_code"), ("code", login), ("redirect_uri", Fixture.callback),
                    ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
                ]
            )
            let shortLived = try await ChannelTokenTests.issueShortLived(emulator)
            let stateless = try await http.postForm(
                "/oauth2/v3/token",
                [
                    ("grant_type", "client_credentials"), ("client_id", Seed.messagingChannel.channelID),
                    ("client_secret", Seed.messagingChannel.channelSecret),
                ]
            )
            for response in [token, shortLived, stateless] {
                #expect(response.status == 200)
                #expect(response.headers.first(name: "Cache-Control") == "no-store")
                #expect(response.headers.first(name: "Pragma") == "no-cache")
            }
        }
    }

    @Test("x-line-request-id: a UUID on the Messaging API, 16 hexadecimal digits on LINE Login")
    func requestIDFormats() async throws {
        try await TestEmulator.run { emulator in
            let token = try await PushTests.token(emulator)
            let push = try await PushTests.push(emulator, token: token, to: Fixture.brown.userID, text: "hi")
            let pushID = try #require(push.requestID)
            #expect(UUID(uuidString: pushID) != nil && pushID == pushID.lowercased(), "\(pushID)")
            let refused = try await PushTests.push(emulator, token: "bogus", to: Fixture.brown.userID, text: "hi")
            #expect(refused.requestID.flatMap(UUID.init(uuidString:)) != nil, "errors too")
            let logged = try await RawHTTP(emulator).get("/_emulator/v1/requests?path=/v2/bot/message/push")
            #expect((logged.json["requests"] as? [[String: Any]])?.contains { $0["requestID"] as? String == pushID } == true)

            let verify = try await RawHTTP(emulator).get("/oauth2/v2.1/verify?access_token=x")
            let loginID = try #require(verify.requestID)
            #expect(loginID.count == 16 && loginID.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }

    @Test("X-Line-Retry-Key on an endpoint other than push is LINE's 400, in the endpoint family's error shape")
    func retryKeyElsewhere() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let key = ("X-Line-Retry-Key", UUID().uuidString)
            let token = try await http.send(
                .POST,
                "/v2/oauth/accessToken",
                headers: [("Content-Type", "application/x-www-form-urlencoded"), key],
                body: Data(
                    RawHTTP.query([
                        ("grant_type", "client_credentials"), ("client_id", Seed.messagingChannel.channelID),
                        ("client_secret", Seed.messagingChannel.channelSecret),
                    ]).utf8
                )
            )
            #expect(token.status == 400)
            #expect(
                token.text
                    == #"{"error":"invalid_request","error_description":"The X-Line-Retry-Key header is not supported by this endpoint"}"#
            )
            let profile = try await http.get("/v2/profile", bearer: "x", headers: [key])
            #expect(profile.status == 400)
            #expect(profile.text == #"{"message":"The X-Line-Retry-Key header is not supported by this endpoint"}"#)
            let admin = try await http.get("/_emulator/v1/health", headers: [key])
            #expect(admin.status == 200, "the emulator's own API ignores it")
            let bearer = try await PushTests.token(emulator)
            #expect(try await PushTests.push(emulator, token: bearer, to: Fixture.brown.userID, text: "x", retryKey: key.1).status == 200)
        }
    }

    @Test(
        "a push body that is not JSON names the line and column where it breaks",
        arguments: [
            ("{", 1, 2), ("{\"to\": }", 1, 8), ("{\n  \"to\": \"U1\",\n  \"messages\": [,]\n}", 3, 16), ("", 1, 1),
            ("{\"to\": \"é\"}x", 1, 12),
        ]
    )
    func syntaxErrorPosition(body: String, line: Int, column: Int) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.push(emulator, rawBody: body)
            #expect(response.status == 400)
            #expect(response.text == #"{"message":"The request body could not be parsed as JSON (line: \#(line), column: \#(column))"}"#)
        }
    }

    @Test(
        "a value of the wrong type stops the push at it: The property, '…', in the request body is invalid (line: N, column: N)",
        arguments: [
            (#"{"to": 42, "messages": [{"type": "text", "text": "x"}]}"#, "to", 1, 8),
            (#"{"to": "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701", "messages": "hi"}"#, "messages", 1, 57),
            ("{\"to\": \"U1f2a3b4c5d6e7f8091a2b3c4d5e6f701\",\n \"messages\": [\"hello\"]}", "messages[0]", 2, 15),
            (#"{"to": "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701", "messages": [{"type": "text", "text": 5}]}"#, "messages[0].text", 1, 83),
            (
                #"{"to": "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701", "messages": [{"type": "text", "text": "x"}], "notificationDisabled": 1}"#,
                "notificationDisabled", 1, 114
            ),
            (#"{"to": "someone", "messages": [{"type": "text", "text": "x"}]}"#, "to", 1, 8),
        ]
    )
    func wrongType(body: String, property: String, line: Int, column: Int) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.push(emulator, rawBody: body)
            #expect(response.status == 400)
            #expect(
                response.text
                    == #"{"message":"The property, '\#(property)', in the request body is invalid (line: \#(line), column: \#(column))"}"#
            )
        }
    }
}
