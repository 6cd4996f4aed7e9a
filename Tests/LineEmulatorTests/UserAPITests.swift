import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

@Suite("Profile, userinfo, friendship and deauthorize")
struct UserAPITests {
    @Test("GET /v2/profile returns userId, displayName, pictureUrl and statusMessage")
    func profile() async throws {
        try await TestEmulator.run { emulator in
            let accessToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            let response = try await RawHTTP(emulator).get("/v2/profile", bearer: accessToken)
            #expect(response.status == 200)
            #expect(response.json["userId"] as? String == Fixture.brown.userID)
            #expect(response.json["displayName"] as? String == "Brown")
            #expect(response.json["pictureUrl"] as? String == Fixture.brown.pictureURL)
            #expect(response.json["statusMessage"] as? String == "Hello, LINE!")
        }
    }

    @Test("a user without picture or status message has no such fields")
    func sparseProfile() async throws {
        try await TestEmulator.run { emulator in
            let accessToken = try #require(try await Fixture.login(emulator, user: Fixture.sally)["access_token"] as? String)
            let response = try await RawHTTP(emulator).get("/v2/profile", bearer: accessToken)
            #expect(Set(response.json.keys) == ["userId", "displayName"])
        }
    }

    @Test("the Bearer APIs answer 401 without a valid token and 403 without the scope")
    func bearerErrors() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let missing = try await http.get("/v2/profile")
            #expect(missing.status == 401)
            #expect(
                missing.json["message"] as? String
                    == "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
            )
            let invalid = try await http.get("/v2/profile", bearer: "nope")
            #expect(invalid.status == 401)
            #expect((invalid.json["message"] as? String)?.hasPrefix("Authentication failed") == true)

            let openidOnly = try #require(try await Fixture.login(emulator, scope: "openid")["access_token"] as? String)
            let profile = try await http.get("/v2/profile", bearer: openidOnly)
            #expect(profile.status == 403)
            #expect(profile.json["message"] is String)
            #expect(try await http.get("/friendship/v1/status", bearer: openidOnly).status == 403)

            let profileOnly = try #require(try await Fixture.login(emulator, scope: "profile")["access_token"] as? String)
            #expect(try await http.get("/oauth2/v2.1/userinfo", bearer: profileOnly).status == 403)

            emulator.clock.advance(by: 2_592_000)
            #expect(try await http.get("/v2/profile", bearer: profileOnly).status == 401, "expired")
        }
    }

    @Test("GET and POST /oauth2/v2.1/userinfo return sub, and name and picture with the profile scope")
    func userInfo() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let full = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            let get = try await http.get("/oauth2/v2.1/userinfo", bearer: full)
            #expect(get.status == 200)
            #expect(get.json["sub"] as? String == Fixture.brown.userID)
            #expect(get.json["name"] as? String == "Brown")
            #expect(get.json["picture"] as? String == Fixture.brown.pictureURL)
            let post = try await http.send(.POST, "/oauth2/v2.1/userinfo", headers: [("Authorization", "Bearer \(full)")])
            #expect(post.status == 200)
            #expect(post.json["sub"] as? String == Fixture.brown.userID)

            let openidOnly = try #require(try await Fixture.login(emulator, scope: "openid")["access_token"] as? String)
            let minimal = try await http.get("/oauth2/v2.1/userinfo", bearer: openidOnly)
            #expect(Set(minimal.json.keys) == ["sub"])
        }
    }

    @Test("GET /friendship/v1/status: friendFlag true for a friend of the linked account, false otherwise")
    func friendship() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let brown = try #require(try await Fixture.login(emulator, user: Fixture.brown)["access_token"] as? String)
            let friend = try await http.get("/friendship/v1/status", bearer: brown)
            #expect(friend.status == 200)
            #expect(friend.json["friendFlag"] as? Bool == true)
            let cony = try #require(try await Fixture.login(emulator, user: Fixture.cony)["access_token"] as? String)
            #expect(try await http.get("/friendship/v1/status", bearer: cony).json["friendFlag"] as? Bool == false)
        }
    }

    @Test("POST /user/v1/deauthorize: 204, the consent is gone, the tokens die, and a second call is 400 invalid token")
    func deauthorize() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let login = try await Fixture.login(emulator)
            let userToken = try #require(login["access_token"] as? String)
            let channelToken = try await Self.channelToken(emulator)

            let consents = try await http.get("/_emulator/v1/users/\(Fixture.brown.userID)/consents")
            #expect((consents.json["consents"] as? [[String: Any]])?.count == 1)

            let response = try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": userToken], bearer: channelToken)
            #expect(response.status == 204)
            #expect(response.body.isEmpty)
            #expect(try await http.get("/v2/profile", bearer: userToken).status == 401)
            let refresh = try await TokenTests.refresh(emulator, try #require(login["refresh_token"] as? String))
            #expect(refresh.status == 400)
            let after = try await http.get("/_emulator/v1/users/\(Fixture.brown.userID)/consents")
            #expect((after.json["consents"] as? [[String: Any]])?.isEmpty == true)

            let again = try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": userToken], bearer: channelToken)
            #expect(again.status == 400)
            #expect(again.json["message"] as? String == "invalid token")
        }
    }

    @Test("deauthorize checks both tokens and the body")
    func deauthorizeErrors() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let userToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            let channelToken = try await Self.channelToken(emulator)

            #expect(try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": userToken]).status == 401)
            #expect(
                try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": userToken], bearer: userToken).status == 401,
                "a user access token is not a channel access token"
            )
            let otherChannel = try await Self.channelToken(emulator, channelID: Fixture.native.channelID)
            let wrongChannel = try await http.postJSON("/user/v1/deauthorize", ["userAccessToken": userToken], bearer: otherChannel)
            #expect(wrongChannel.status == 400)
            #expect(wrongChannel.json["message"] as? String == "invalid token")

            let empty = try await http.postJSON("/user/v1/deauthorize", [String: String](), bearer: channelToken)
            #expect(empty.status == 400)
            #expect(empty.json["message"] as? String == "The request body has 1 error(s)")
            #expect((empty.json["details"] as? [[String: Any]])?.first?["property"] as? String == "userAccessToken")

            let notJSON = try await http.send(
                .POST,
                "/user/v1/deauthorize",
                headers: [("Authorization", "Bearer \(channelToken)"), ("Content-Type", "application/json")],
                body: Data("{oops".utf8)
            )
            #expect(notJSON.status == 400)
            #expect(notJSON.json["message"] as? String == "The request body could not be parsed as JSON (line: 1, column: 2)")

            let form = try await http.postForm("/user/v1/deauthorize", [("userAccessToken", userToken)], bearer: channelToken)
            #expect(form.status == 415)
            #expect(try await http.get("/v2/profile", bearer: userToken).status == 200, "nothing was deauthorized")
        }
    }

    static func channelToken(_ emulator: TestEmulator, channelID: String = Fixture.web.channelID) async throws -> String {
        let response = try await RawHTTP(emulator).admin(.POST, "/_emulator/v1/channels/\(channelID)/tokens")
        try #require(response.status == 201, "\(response.text)")
        return try #require(response.json["access_token"] as? String)
    }
}
