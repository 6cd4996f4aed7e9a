import AsyncHTTPClient
import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOCore
import NIOHTTP1
import Testing

@Suite("Admin API /_emulator/v1")
struct AdminTests {
    @Test("GET /health")
    func health() async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).get("/_emulator/v1/health")
            #expect(response.status == 200)
            #expect(response.json["status"] as? String == "ok")
        }
    }

    @Test("GET /channels lists the seed with channelId, channelSecret, callbackUrls and appType")
    func listChannels() async throws {
        try await TestEmulator.run { emulator in
            let channels = try #require(try await RawHTTP(emulator).get("/_emulator/v1/channels").json["channels"] as? [[String: Any]])
            #expect(channels.count == 3)
            #expect(channels[2]["type"] as? String == "messaging")
            #expect(channels[0]["channelId"] as? String == Fixture.web.channelID)
            #expect(channels[0]["channelSecret"] as? String == Fixture.web.channelSecret)
            #expect(channels[0]["appType"] as? String == "web")
            #expect((channels[0]["callbackUrls"] as? [String])?.contains("http://localhost:8080/callback") == true)
            #expect(channels[1]["appType"] as? String == "native")
        }
    }

    @Test("POST /channels creates a channel usable for login at once; a duplicate is 409; bad input is 400")
    func createChannel() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let created = try await http.postJSON(
                "/_emulator/v1/channels",
                [
                    "name": "Shop", "appType": "web", "callbackUrls": ["http://localhost:3000/auth/callback"],
                ]
            )
            #expect(created.status == 201)
            let channelID = try #require(created.json["channelId"] as? String)
            let secret = try #require(created.json["channelSecret"] as? String)
            #expect(channelID.count == 10)
            #expect(secret.count == 32)
            let channel = Channel(
                channelID: channelID,
                channelSecret: secret,
                name: "Shop",
                callbackURLs: ["http://localhost:3000/auth/callback"]
            )
            let code = try await Fixture.code(emulator, channel: channel, redirectURI: "http://localhost:3000/auth/callback")
            #expect(code.count == 20)

            let duplicate = try await http.postJSON("/_emulator/v1/channels", ["channelId": channelID, "callbackUrls": [String]()])
            #expect(duplicate.status == 409)
            let badID = try await http.postJSON("/_emulator/v1/channels", ["channelId": "12"])
            #expect(badID.status == 400)
            let badType = try await http.postJSON("/_emulator/v1/channels", ["appType": "desktop"])
            #expect(badType.status == 400)
            let notJSON = try await http.send(
                .POST,
                "/_emulator/v1/channels",
                headers: [("Content-Type", "application/json")],
                body: Data("[".utf8)
            )
            #expect(notJSON.status == 400)
        }
    }

    @Test("POST /users creates a user who can log in; GET /users lists it")
    func createUser() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let created = try await http.postJSON("/_emulator/v1/users", ["displayName": "Moon", "email": "moon@example.com"])
            #expect(created.status == 201)
            let userID = try #require(created.json["userId"] as? String)
            #expect(userID.count == 33 && userID.hasPrefix("U"))
            let users = try #require(try await http.get("/_emulator/v1/users").json["users"] as? [[String: Any]])
            #expect(users.contains { $0["userId"] as? String == userID && $0["displayName"] as? String == "Moon" })
            let token = try await Fixture.login(emulator, user: User(userID: userID, displayName: "Moon"))
            let profile = try await http.get("/v2/profile", bearer: try #require(token["access_token"] as? String))
            #expect(profile.json["displayName"] as? String == "Moon")

            #expect(try await http.postJSON("/_emulator/v1/users", ["userId": userID, "displayName": "Again"]).status == 409)
            #expect(try await http.postJSON("/_emulator/v1/users", ["displayName": ""]).status == 400)
            #expect(try await http.postJSON("/_emulator/v1/users", ["userId": "Uxyz", "displayName": "Bad"]).status == 400)
        }
    }

    @Test("GET /users/{userId}/consents lists the user's authorized apps; unknown users are 404")
    func consents() async throws {
        try await TestEmulator.run { emulator in
            _ = try await Fixture.login(emulator, scope: "profile openid email")
            let response = try await RawHTTP(emulator).get("/_emulator/v1/users/\(Fixture.brown.userID)/consents")
            let consents = try #require(response.json["consents"] as? [[String: Any]])
            #expect(consents.count == 1)
            #expect(consents[0]["channelId"] as? String == Fixture.web.channelID)
            #expect(consents[0]["channelName"] as? String == "LineKit Web Login")
            #expect(consents[0]["scopes"] as? [String] == ["profile", "openid", "email"])
            #expect(consents[0]["grantedAt"] is String)
            #expect(try await RawHTTP(emulator).get("/_emulator/v1/users/U00000000000000000000000000000000/consents").status == 404)
        }
    }

    @Test("POST /clock/advance moves the emulator's time; POST /reset returns to the seed and the real time")
    func clockAndReset() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let before = try #require(try await http.get("/_emulator/v1/clock").json["unixTime"] as? Int)
            let advanced = try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": 3600])
            #expect(advanced.status == 200)
            #expect(advanced.json["unixTime"] as? Int == before + 3600)
            #expect(advanced.json["offsetSeconds"] as? Double == 3600)
            #expect(try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": -5]).status == 400)
            #expect(try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": "soon"]).status == 400)

            let accessToken = try #require(try await Fixture.login(emulator)["access_token"] as? String)
            _ = try await http.postJSON("/_emulator/v1/users", ["displayName": "Temp"])
            let reset = try await http.admin(.POST, "/_emulator/v1/reset")
            #expect(reset.status == 200)
            #expect(reset.json["offsetSeconds"] as? Double == 0)
            #expect((try await http.get("/_emulator/v1/users").json["users"] as? [Any])?.count == 3)
            #expect(try await VerifyRevokeTests.verify(emulator, accessToken).status == 400, "tokens are gone after a reset")
        }
    }

    @Test("the admin API refuses clients that are not on loopback")
    func loopbackOnly() async throws {
        try await TestEmulator.run(configure: { $0.host = "0.0.0.0" }) { emulator in
            let address = try #require(Self.nonLoopbackAddress(), "this machine has no non-loopback IPv4 address")
            let url = URL(string: "http://\(address):\(emulator.port)")!
            let response = try await RawHTTP.client.execute(.init(url: url.absoluteString + "/_emulator/v1/health"), timeout: .seconds(10))
            #expect(response.status.code == 403)
            let local = try await RawHTTP(emulator).get("/_emulator/v1/health")
            #expect(local.status == 200)
        }
    }

    /// An address of this machine that is not loopback (connecting to it stays on this machine).
    static func nonLoopbackAddress() -> String? {
        var addresses: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&addresses) == 0, let first = addresses else { return nil }
        defer { freeifaddrs(addresses) }
        var current: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = current {
            defer { current = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == UInt16(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }
}
