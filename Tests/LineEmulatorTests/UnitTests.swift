import Crypto
import Foundation
import LineCore
import Mustache
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

    @Test("bodies written by hand are the JSON their Encodable conformance gives")
    func handWrittenBodies() throws {
        let records = [SentMessageRecord(id: "461230966842064897", quoteToken: "q\"T"), SentMessageRecord(id: "1", quoteToken: nil)]
        let bodies: [any JSONWritable] = [
            TokenResponse(access_token: "a", expires_in: 2_592_000, id_token: "h.p.s", refresh_token: "r", scope: "profile openid"),
            TokenResponse(access_token: "a", expires_in: 0, id_token: nil, refresh_token: "r", scope: ""),
            AccessTokenVerification(scope: "profile", client_id: "2000000001", expires_in: 12),
            ChannelTokenResponse(access_token: "t", expires_in: 900, key_id: "k"),
            ChannelTokenResponse(access_token: "t", expires_in: 900, key_id: nil),
            ChannelTokenVerification(client_id: "2000000003", expires_in: -1, scope: "P CM", access_token: "t\"/"),
            PushResponse(sentMessages: records),
            PushResponse(sentMessages: []),
            IDTokenClaims(
                iss: "https://access.line.me",
                sub: "U1",
                aud: "1",
                exp: 2,
                iat: 1,
                auth_time: 1,
                nonce: "n/\\\u{1}",
                amr: ["pwd"],
                name: "Brown",
                picture: "https://x/y",
                email: "b@example.com"
            ),
            IDTokenClaims(iss: "i", sub: "U1", aud: "1", exp: 2, iat: 1),
        ]
        for body in bodies {
            let written = try #require(JSONValue(parsing: body.jsonBytes))
            let encoded = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoding.encoder.encode(body))
            #expect(written == encoded, "\(body)")
        }
        let stored = try JSONDecoder().decode([SentMessageRecord].self, from: Data(SentMessageRecord.jsonText(records).utf8))
        #expect(stored == records)
    }

    @Test("an authorization request comes back from the consent form as it went in")
    func authorizationRequestFormJSON() throws {
        let full = AuthorizationRequest(
            version: .v2_1,
            channelID: "2000000001",
            redirectURI: "https://app.example/cb?x=1",
            state: "s\"\\é",
            scopes: ScopeSet([.profile, .openid, .email]),
            nonce: "n",
            prompt: "consent",
            maxAge: 0,
            codeChallenge: "c",
            responseMode: .formPost,
            botPrompt: "aggressive",
            uiLocales: "ja-JP en",
            issuedAt: Date(timeIntervalSince1970: 1_764_000_000.123456),
            csrf: "abc"
        )
        #expect(AuthorizationRequest(formJSON: full.formJSON) == full)
        let bare = AuthorizationRequest(
            version: .v2_0,
            channelID: "1",
            redirectURI: "http://x",
            state: "",
            scopes: ScopeSet([.profile]),
            nonce: nil,
            prompt: nil,
            maxAge: nil,
            codeChallenge: nil,
            responseMode: .query,
            botPrompt: nil,
            uiLocales: nil,
            issuedAt: Date(timeIntervalSince1970: 5),
            csrf: "c"
        )
        #expect(AuthorizationRequest(formJSON: bare.formJSON) == bare)
        for broken in [#"{}"#, #"[]"#, "x", String(decoding: bare.formJSON, as: UTF8.self).replacingOccurrences(of: "v2.0", with: "v9")] {
            #expect(AuthorizationRequest(formJSON: Array(broken.utf8)) == nil)
        }
        var wrongType = String(decoding: full.formJSON, as: UTF8.self)
        wrongType = wrongType.replacingOccurrences(of: #""nonce":"n""#, with: #""nonce":1"#)
        #expect(AuthorizationRequest(formJSON: Array(wrongType.utf8)) == nil)
    }

    @Test("the consent page escapes every name it shows")
    func consentPageEscaping() throws {
        let frame = try PageFrame(
            library: MustacheLibrary(templates: [
                "layout_head": try MustacheTemplate(string: "<html lang=\"{{lang}}\"><title>{{title}}</title>"),
                "layout_foot": try MustacheTemplate(string: "</html>"),
            ])
        )
        let view = ConsentPageView(
            lang: "en\"><x",
            channelName: "<b>Moon</b>",
            channelID: "1",
            version: "v2.1",
            action: "/consent",
            transaction: "t",
            csrf: "c",
            users: [.init(userID: "U\"1", displayName: "<Cony>'s", isSelected: true)],
            asksProfile: true,
            asksOpenID: true,
            asksEmail: false,
            offersAddFriend: false
        )
        let html = view.html(frame: frame)
        #expect(html.hasPrefix("<html lang=\"en&quot;&gt;&lt;x\"><title>Log in to &lt;b&gt;Moon&lt;/b&gt;</title>"))
        #expect(html.contains("<h1>Log in to &lt;b&gt;Moon&lt;/b&gt;</h1>"))
        #expect(html.contains("<strong>&lt;Cony&gt;&#39;s</strong>"))
        #expect(html.contains("value=\"U&quot;1\" checked>"))
        #expect(html.contains("aria-hidden=\"true\">&lt;</span>"))
        #expect(!html.contains("<b>") && !html.contains("<Cony>"))
        #expect(html.hasSuffix("</html>"))
    }

    @Test("request IDs are 16 lowercase hexadecimal digits")
    func requestIDs() {
        for _ in 0..<100 {
            let id = Randomness.requestID()
            #expect(id.count == 16 && id.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }
}
