import Crypto
import CryptoExtras
import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// Input the admin API (and the console and seed files, which share its checks) refuses with a 400 in its
/// `{"message"}` shape, and the JWT-assertion reuse the emulator accepts; see docs/FIDELITY.md.
@Suite("Refused admin input, and assertion reuse")
struct RefusedInputTests {
    static func postChannel(_ emulator: TestEmulator, _ document: [String: Any]) async throws -> RawResponse {
        try await RawHTTP(emulator).postJSON("/_emulator/v1/channels", document)
    }

    @Test(
        "a callback URL that runs code or has no host is refused",
        arguments: [
            "javascript:alert(1)", "JavaScript://example.com/%0Aalert(1)", "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)", "file:///etc/passwd", "https:///callback",
        ]
    )
    func refusedCallback(url: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await Self.postChannel(emulator, ["name": "Evil", "callbackUrls": [url]])
            #expect(response.status == 400)
            #expect((response.json["message"] as? String)?.contains("callback URL") == true, "\(response.text)")
        }
    }

    @Test("http(s) callbacks with a host and an app's custom scheme are accepted")
    func acceptedCallbacks() async throws {
        try await TestEmulator.run { emulator in
            let urls = ["https://example.com/callback", "http://127.0.0.1:3000/cb?x=1", "com.example.app://login/callback"]
            let response = try await Self.postChannel(emulator, ["name": "Fine", "callbackUrls": urls])
            #expect(response.status == 201, "\(response.text)")
        }
    }

    @Test(
        "NUL and other control characters in a channel name or a display name are refused",
        arguments: ["a\u{0}b", "a\nb", "\u{1B}[31mred", "a\u{7F}", "a\u{85}b"]
    )
    func controlCharacters(name: String) async throws {
        try await TestEmulator.run { emulator in
            let channel = try await Self.postChannel(emulator, ["name": name])
            #expect(channel.status == 400)
            #expect((channel.json["message"] as? String)?.contains("control characters") == true)
            let user = try await RawHTTP(emulator).postJSON("/_emulator/v1/users", ["displayName": name])
            #expect(user.status == 400)
            #expect((user.json["message"] as? String)?.contains("control characters") == true)
        }
    }

    @Test("names with spaces, emoji and other scripts are accepted")
    func printableNames() async throws {
        try await TestEmulator.run { emulator in
            let channel = try await Self.postChannel(emulator, ["name": "ブラウン & Co. 🐻"])
            let user = try await RawHTTP(emulator).postJSON("/_emulator/v1/users", ["displayName": "コニー 🐰"])
            #expect(channel.status == 201)
            #expect(user.status == 201)
        }
    }

    @Test("a rate outside 0.01 to 1,000,000 requests per second is refused", arguments: [5e-324, 0.001, 0, -1, 1e7, 1e308])
    func refusedRate(rate: Double) async throws {
        try await TestEmulator.run { emulator in
            let response = try await RawHTTP(emulator).sendJSONText(.PUT, "/_emulator/v1/rate-limits", #"{"push": \#(rate)}"#)
            #expect(response.status == 400)
            #expect(response.json["message"] is String)
            let rates = try await RawHTTP(emulator).get("/_emulator/v1/rate-limits")
            #expect(rates.json["push"] as? Double == 2000, "unchanged")
        }
    }

    @Test("rates at the bounds, and null, are accepted")
    func acceptedRates() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            for body in [#"{"push": 0.01}"#, #"{"push": 1000000}"#, #"{"push": null}"#] {
                let response = try await http.sendJSONText(.PUT, "/_emulator/v1/rate-limits", body)
                #expect(response.status == 200, "\(body)")
            }
        }
    }

    /// A JWK of a real 2,048-bit key with `n` or `e` replaced.
    static func jwk(modulus: Data? = nil, exponent: Data? = nil) throws -> [String: Any] {
        var jwk = try AssertionSigner.publicJWK(of: try _RSA.Signing.PrivateKey(keySize: .bits2048))
        if let modulus { jwk["n"] = Fixture.base64URL(modulus) }
        if let exponent { jwk["e"] = Fixture.base64URL(exponent) }
        return jwk
    }

    @Test("a posted JWK must be a plausible RSA key: 2^2047, 2^2047 + 1, an even modulus and bad exponents are refused")
    func implausibleKeys() async throws {
        try await TestEmulator.run { emulator in
            let path = "/_emulator/v1/channels/\(Seed.messagingChannelID)/keys"
            let http = RawHTTP(emulator)
            let powerOfTwo = Data([0x80] + [UInt8](repeating: 0, count: 255))
            var even = [UInt8](repeating: 0xC5, count: 256)
            even[255] = 0x02
            let cases: [(String, [String: Any])] = [
                ("2^2047", try Self.jwk(modulus: powerOfTwo)),
                ("2^2047 + 1, a multiple of 3", try Self.jwk(modulus: Data([0x80] + [UInt8](repeating: 0, count: 254) + [0x01]))),
                ("an even modulus", try Self.jwk(modulus: Data(even))),
                ("a 2,047-bit modulus", try Self.jwk(modulus: Data([0x7F] + [UInt8](repeating: 0xFF, count: 255)))),
                ("e = 1", try Self.jwk(exponent: Data([1]))),
                ("an even e", try Self.jwk(exponent: Data([0x01, 0x00, 0x00]))),
                ("e of 2^40 + 1", try Self.jwk(exponent: Data([0x01, 0, 0, 0, 0, 0x01]))),
            ]
            for (name, jwk) in cases {
                let response = try await http.postJSON(path, jwk)
                #expect(response.status == 400, "\(name)")
                #expect((response.json["message"] as? String)?.hasPrefix("Invalid public key") == true, "\(name): \(response.text)")
            }
            #expect(try await http.postJSON(path, try Self.jwk()).status == 201, "a real key")
            #expect(try await http.postJSON(path, try Self.jwk(exponent: Data([3]))).status == 201, "e = 3")
        }
    }

    @Test("a JWT assertion may be used again while it is valid, with or without a jti (LINE documents no jti)")
    func assertionReuse() async throws {
        try await TestEmulator.run { emulator in
            let signer = try await AssertionSigner.register(emulator)
            for claims in [[:], ["jti": "same-jti"]] as [[String: Any]] {
                let assertion = try signer.assertion(now: emulator.clock.now, claims: claims)
                let first = try await signer.issue(emulator, assertion: assertion)
                let second = try await signer.issue(emulator, assertion: assertion)
                #expect(first.status == 200)
                #expect(second.status == 200)
                let firstToken = try #require(first.json["access_token"] as? String)
                #expect(firstToken != second.json["access_token"] as? String, "each use issues its own token")
            }
        }
    }
}
