import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

@Suite("Wire format: byte-for-byte details")
struct WireFormatTests {
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
}
