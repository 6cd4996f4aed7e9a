import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("LINE Login v2.0")
struct V2Tests {
    static func code(_ emulator: TestEmulator) async throws -> String {
        let query = RawHTTP.query([
            ("response_type", "code"), ("client_id", Fixture.web.channelID), ("redirect_uri", Fixture.callback), ("state", "s2"),
        ])
        let url = URL(string: emulator.baseURL.absoluteString + "/dialog/oauth/weblogin?" + query)!
        let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.cony.userID))
        return try #require(Fixture.parameters(of: callback)["code"])
    }

    static func exchange(_ emulator: TestEmulator, code: String) async throws -> RawResponse {
        try await RawHTTP(emulator).postForm(
            "/v2/oauth/accessToken",
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.callback),
                ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
            ]
        )
    }

    @Test("POST /v2/oauth/accessToken issues tokens with scope P and no ID token; profile works with them")
    func exchange() async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.exchange(emulator, code: try await Self.code(emulator))
            #expect(response.status == 200)
            #expect(Set(response.json.keys) == ["access_token", "expires_in", "refresh_token", "scope", "token_type"])
            #expect(response.json["scope"] as? String == "P")
            #expect(response.json["expires_in"] as? Int == 2_592_000)
            let accessToken = try #require(response.json["access_token"] as? String)
            let profile = try await RawHTTP(emulator).get("/v2/profile", bearer: accessToken)
            #expect(profile.json["displayName"] as? String == "Cony")
        }
    }

    @Test("v2.0 requires every field, and its codes do not work at the v2.1 endpoint")
    func errors() async throws {
        try await TestEmulator.run { emulator in
            let missing = try await RawHTTP(emulator).postForm(
                "/v2/oauth/accessToken",
                [
                    ("grant_type", "authorization_code"), ("code", "x"), ("client_id", Fixture.web.channelID),
                ]
            )
            #expect(missing.status == 400)
            #expect(missing.json["error"] as? String == "invalid_request")
            #expect(missing.json["error_description"] as? String == "some parameters missed or invalid")

            let code = try await Self.code(emulator)
            let atV21 = try await TokenTests.exchange(emulator, code: code)
            #expect(atV21.json["error"] as? String == "invalid_grant")
        }
    }

    @Test("POST /v2/oauth/verify answers scope P; invalid tokens get access_token invalid")
    func verify() async throws {
        try await TestEmulator.run { emulator in
            let token = try await Self.exchange(emulator, code: try await Self.code(emulator)).json
            let accessToken = try #require(token["access_token"] as? String)
            let ok = try await RawHTTP(emulator).postForm("/v2/oauth/verify", [("access_token", accessToken)])
            #expect(ok.status == 200)
            #expect(ok.json["scope"] as? String == "P")
            #expect(ok.json["client_id"] as? String == Fixture.web.channelID)
            #expect(ok.json["expires_in"] as? Int == 2_592_000)
            let bad = try await RawHTTP(emulator).postForm("/v2/oauth/verify", [("access_token", "nope")])
            #expect(bad.status == 400)
            #expect(bad.json["error"] as? String == "invalid_request")
            #expect(bad.json["error_description"] as? String == "access_token invalid")
        }
    }

    static func refreshFields(_ refreshToken: String) -> [(String, String)] {
        [
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", Fixture.web.channelID),
            ("client_secret", Fixture.web.channelSecret),
        ]
    }

    @Test("refresh at /v2/oauth/accessToken gives a new refresh token; revoke at /v2/oauth/revoke with it ends the grant")
    func refreshAndRevoke() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let token = try await Self.exchange(emulator, code: try await Self.code(emulator)).json
            let refreshToken = try #require(token["refresh_token"] as? String)
            let refreshed = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(refreshToken))
            #expect(refreshed.status == 200)
            let newRefresh = try #require(refreshed.json["refresh_token"] as? String)
            #expect(newRefresh != refreshToken, "v2.0 reference: a new refresh token")
            let newAccess = try #require(refreshed.json["access_token"] as? String)
            let reused = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(refreshToken))
            #expect(reused.status == 400, "the old refresh token is spent")
            #expect(reused.text == #"{"error":"invalid_grant","error_description":"invalid refresh_token"}"#)

            let revoke = try await http.postForm("/v2/oauth/revoke", [("refresh_token", newRefresh)])
            #expect(revoke.status == 200)
            #expect(revoke.body.isEmpty)
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", newAccess)]).status == 400)
            let again = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(newRefresh))
            #expect(again.json["error"] as? String == "invalid_grant")
            #expect(again.json["error_description"] as? String == "invalid refresh_token")
        }
    }

    @Test("revoking with a refresh token already rotated away still ends the grant: the new tokens die too")
    func revokeWithRotatedRefreshToken() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let token = try await Self.exchange(emulator, code: try await Self.code(emulator)).json
            let firstRefresh = try #require(token["refresh_token"] as? String)
            let refreshed = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(firstRefresh))
            #expect(refreshed.status == 200)
            let newAccess = try #require(refreshed.json["access_token"] as? String)
            let newRefresh = try #require(refreshed.json["refresh_token"] as? String)

            let revoke = try await http.postForm("/v2/oauth/revoke", [("refresh_token", firstRefresh)])
            #expect(revoke.status == 200)
            #expect(try await http.postForm("/v2/oauth/verify", [("access_token", newAccess)]).status == 400)
            let again = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(newRefresh))
            #expect(again.status == 400)
            #expect(again.json["error_description"] as? String == "invalid refresh_token")
        }
    }

    @Test("a v2.0 refresh token is valid until 10 days after its access token expires, and each refresh moves that on")
    func refreshTokenLifetime() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let first = try #require(
                try await Self.exchange(emulator, code: try await Self.code(emulator)).json["refresh_token"] as? String
            )
            emulator.clock.advance(by: 39 * 86400)
            let second = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(first))
            #expect(second.status == 200, "day 39: within 30 + 10 days")
            let secondRefresh = try #require(second.json["refresh_token"] as? String)
            emulator.clock.advance(by: 39 * 86400)
            let third = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(secondRefresh))
            #expect(third.status == 200, "day 78: 39 days after the second access token, so still valid")
            let thirdRefresh = try #require(third.json["refresh_token"] as? String)
            emulator.clock.advance(by: 40 * 86400 + 1)
            let late = try await http.postForm("/v2/oauth/accessToken", Self.refreshFields(thirdRefresh))
            #expect(late.status == 400, "more than 10 days after the access token expired")
            #expect(late.text == #"{"error":"invalid_grant","error_description":"invalid refresh_token"}"#)
        }
    }
}
