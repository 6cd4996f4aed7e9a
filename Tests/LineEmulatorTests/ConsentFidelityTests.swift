import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

@Suite("Consent and prompt=none details")
struct ConsentFidelityTests {
    @Test("bot_prompt: an existing friend gets no add-friend option and no friendship_status_changed")
    func existingFriend() async throws {
        try await TestEmulator.run { emulator in
            let url = Fixture.authorizeURL(emulator, extra: [("bot_prompt", "normal")])
            let page = try await RawHTTP(emulator).get(String(url.absoluteString.dropFirst(emulator.baseURL.absoluteString.count)))
            #expect(page.text.contains("\(Fixture.brown.userID) · already a friend of the account"))
            #expect(!page.text.contains("\(Fixture.cony.userID) · already a friend"))
            let callback = try await emulator.authorize(url, choice: .allow(userID: Fixture.brown.userID, addFriend: true))
            #expect(Fixture.parameters(of: callback)["friendship_status_changed"] == nil)
            #expect(Fixture.parameters(of: callback)["code"] != nil)

            // Once every user is a friend, the page offers no add-friend option at all.
            for user in [Fixture.cony, Fixture.sally] {
                _ = try await emulator.authorize(url, choice: .allow(userID: user.userID, addFriend: true))
            }
            let allFriends = try await RawHTTP(emulator).get(String(url.absoluteString.dropFirst(emulator.baseURL.absoluteString.count)))
            #expect(allFriends.status == 200)
            #expect(!allFriends.text.contains("name=\"add_friend\""))
        }
    }

    @Test("prompt=none with max_age=0 needs a fresh login even right after one; a larger max_age is met")
    func maxAgeZero() async throws {
        try await TestEmulator.run { emulator in
            let browser = BrowserSession()
            _ = try await emulator.authorize(Fixture.authorizeURL(emulator), choice: .allow(userID: Fixture.brown.userID), session: browser)
            let zero = try await emulator.authorize(
                Fixture.authorizeURL(emulator, extra: [("prompt", "none"), ("max_age", "0")]),
                choice: .cancel,
                session: browser
            )
            #expect(Fixture.parameters(of: zero)["error"] == "LOGIN_REQUIRED")
            #expect(Fixture.parameters(of: zero)["code"] == nil)
            let hour = try await emulator.authorize(
                Fixture.authorizeURL(emulator, extra: [("prompt", "none"), ("max_age", "3600")]),
                choice: .cancel,
                session: browser
            )
            #expect(Fixture.parameters(of: hour)["code"] != nil)
        }
    }
}
