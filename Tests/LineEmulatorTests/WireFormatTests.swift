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
}
