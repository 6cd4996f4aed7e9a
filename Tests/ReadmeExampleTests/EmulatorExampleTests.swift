import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

// The README's "Testing a Swift app against the emulator", as printed:

@Test func loginWorks() async throws {
    try await TestEmulator.run { emulator in  // in-process, 127.0.0.1, a free port, in-memory state
        let url = URL(
            string: "\(emulator.baseURL)/oauth2/v2.1/authorize?response_type=code&client_id=2000000001"
                + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&state=s1&scope=profile%20openid"
        )!
        let callback = try await emulator.authorize(url, choice: .allow(userID: "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701"))
        // callback is http://127.0.0.1:8080/callback?code=…&state=s1: hand it to your app's callback handler.
        #expect(callback.query?.contains("code=") == true)
        emulator.clock.advance(by: 601)  // the code has now expired
    }
}
