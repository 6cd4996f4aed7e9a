import Crypto
import Foundation
import Testing

@testable import LineEmulator

@Suite("Building blocks")
struct UnitTests {
    @Test("form decoding: +, percent escapes, repeats, empty values, invalid escapes and UTF-8")
    func parameters() throws {
        let parameters = try Parameters(urlEncoded: "a=1+2&b=%E3%81%82&c=&a=3&d")
        #expect(parameters["a"] == "1 2")
        #expect(parameters["b"] == "あ")
        #expect(parameters["c"] == "")
        #expect(parameters["d"] == "")
        #expect(parameters.nonEmpty("c") == nil)
        #expect(parameters.repeatedNames == ["a"])
        #expect(throws: Parameters.ParseError.malformedEncoding) { try Parameters(urlEncoded: "a=%4") }
        #expect(throws: Parameters.ParseError.malformedEncoding) { try Parameters(urlEncoded: "a=%zz") }
        #expect(throws: Parameters.ParseError.malformedEncoding) { try Parameters(urlEncoded: "a=%ff%fe") }
        #expect(Parameters.encode("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9")
    }

    @Test("scopes parse, and print without email in responses")
    func scopes() {
        #expect(ScopeSet(parameter: "email openid profile")?.responseValue == "profile openid")
        #expect(ScopeSet(parameter: "email openid profile")?.storageValue == "profile openid email")
        #expect(ScopeSet(parameter: "profile  openid")?.names == ["profile", "openid"])
        #expect(ScopeSet(parameter: "profile friends") == nil)
        #expect(ScopeSet(parameter: "") == nil)
    }

    @Test("PKCE: RFC 7636 appendix B, and the verifier rules")
    func pkce() {
        #expect(PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.isValidVerifier(String(repeating: "a", count: 43)))
        #expect(PKCE.isValidVerifier(String(repeating: "~", count: 128)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "+"))
    }

    @Test("callback URL matching: exact, or with added query parameters")
    func callbackMatching() {
        let channel = Channel(
            channelID: "1234567890",
            channelSecret: "",
            name: "",
            callbackURLs: ["https://a.test/cb", "https://b.test/cb?x=1"]
        )
        #expect(channel.accepts(redirectURI: "https://a.test/cb"))
        #expect(channel.accepts(redirectURI: "https://a.test/cb?next=1"))
        #expect(channel.accepts(redirectURI: "https://b.test/cb?x=1&y=2"))
        #expect(!channel.accepts(redirectURI: "https://a.test/cb/x"))
        #expect(!channel.accepts(redirectURI: "https://a.test/cbx"))
        #expect(!channel.accepts(redirectURI: "https://b.test/cb?x=2"))
        #expect(!channel.accepts(redirectURI: "https://a.test/cb#x"))
        #expect(!channel.accepts(redirectURI: "https://a.test/cb?"))
    }

    @Test("sealed values open only unaltered and for their purpose")
    func sealing() throws {
        let keys = SigningKeys(idTokenKey: .init(), sealingKey: .init(size: .bits256))
        let sealed = keys.seal(Data("hello".utf8), purpose: "a")
        #expect(keys.open(sealed, purpose: "a") == Data("hello".utf8))
        #expect(keys.open(sealed, purpose: "b") == nil)
        #expect(keys.open("x" + sealed, purpose: "a") == nil)
        #expect(keys.open(sealed + "x", purpose: "a") == nil)
    }

    @Test("request IDs are 16 lowercase hexadecimal digits")
    func requestIDs() {
        for _ in 0..<100 {
            let id = Randomness.requestID()
            #expect(id.count == 16 && id.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }
}
