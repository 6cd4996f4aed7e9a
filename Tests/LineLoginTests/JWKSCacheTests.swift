import Crypto
import Foundation
import LineCore
import LineLogin
import Testing

@Suite("The JWKS cache under concurrency, faults and key rotation")
struct JWKSCacheTests {
    static func verifier(_ transport: JWKSTransport, policy: JWKSCache.Policy = .init()) -> IDTokenVerifier {
        IDTokenVerifier(
            channelID: "1234567890",
            channelSecret: nil,
            allowedAlgorithms: [.es256],
            jwks: JWKSCache(api: JWKSTransport.api(transport), policy: policy)
        )
    }

    static func verify(_ verifier: IDTokenVerifier, _ token: String, now: Date = TestIDToken.now) async throws -> IDTokenClaims {
        try await verifier.verify(token, expecting: .init(nonce: .value("n1")), now: now)
    }

    @Test("100 concurrent verifications on a cold cache all succeed with one JWKS request (20 trials)")
    func coldCache() async throws {
        let key = P256.Signing.PrivateKey()
        let token = try TestIDToken.es256(key: key, kid: "k1")
        for _ in 0..<20 {
            let transport = JWKSTransport(keys: ["k1": key.publicKey])
            let verifier = Self.verifier(transport)
            let subjects = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await Self.verify(verifier, token).subject } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(subjects.count == 100 && subjects.allSatisfy { $0 == "U1" })
            #expect(transport.requests == 1)
        }
    }

    @Test("a failed fetch fails the callers waiting on it, then the next verification after the backoff retries and succeeds")
    func failedFetch() async throws {
        let key = P256.Signing.PrivateKey()
        let token = try TestIDToken.es256(key: key, kid: "k1")
        let transport = JWKSTransport(keys: ["k1": key.publicKey])
        transport.failNext(1)
        let verifier = Self.verifier(transport)
        await #expect(throws: LineAPIError.self) { try await Self.verify(verifier, token) }
        #expect(transport.requests == 1)
        // Within the backoff (1 second after a first failure) the error is answered without another request.
        await #expect(throws: LineAPIError.self) { try await Self.verify(verifier, token, now: TestIDToken.now.addingTimeInterval(0.5)) }
        #expect(transport.requests == 1)
        #expect(try await Self.verify(verifier, token, now: TestIDToken.now.addingTimeInterval(1.5)).subject == "U1")
        #expect(transport.requests == 2)
    }

    @Test("failures back off exponentially, and keys already fetched keep serving while LINE's endpoint fails")
    func backoffAndStaleKeys() async throws {
        let key = P256.Signing.PrivateKey()
        let token = try TestIDToken.es256(key: key, kid: "k1")
        let transport = JWKSTransport(keys: ["k1": key.publicKey])
        let verifier = Self.verifier(transport, policy: .init(maximumAge: 100, retryDelay: 1, maximumRetryDelay: 4))
        _ = try await Self.verify(verifier, token)
        transport.failNext(10)
        // Past the maximum age a fetch is tried; it fails, and the old key still verifies.
        for (offset, requests) in [(101.0, 2), (101.5, 2), (102.5, 3), (103.5, 3), (104.6, 4), (108.7, 5), (112.8, 6)] {
            #expect(try await Self.verify(verifier, token, now: TestIDToken.now.addingTimeInterval(offset)).subject == "U1")
            #expect(transport.requests == requests, "at +\(offset)s")
        }
    }

    @Test("a rotated key (unknown kid) refetches once, even for 50 concurrent callers; another unknown kid right after does not")
    func rotation() async throws {
        let old = P256.Signing.PrivateKey()
        let new = P256.Signing.PrivateKey()
        let transport = JWKSTransport(keys: ["k1": old.publicKey])
        let verifier = Self.verifier(transport)
        _ = try await Self.verify(verifier, try TestIDToken.es256(key: old, kid: "k1"))
        transport.serve(["k2": new.publicKey])
        let later = TestIDToken.now.addingTimeInterval(30)
        let rotated = try TestIDToken.es256(key: new, kid: "k2")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { _ = try await Self.verify(verifier, rotated, now: later) } }
            try await group.waitForAll()
        }
        #expect(transport.requests == 2)
        let unknown = try TestIDToken.es256(key: new, kid: "k3")
        await #expect(throws: LoginError.invalidIDToken(.unknownKey)) {
            try await Self.verify(verifier, unknown, now: later.addingTimeInterval(1))
        }
        #expect(transport.requests == 2)
        await #expect(throws: LoginError.invalidIDToken(.unknownKey)) {
            try await Self.verify(verifier, unknown, now: later.addingTimeInterval(11))
        }
        #expect(transport.requests == 3)
    }

    @Test("keys of the wrong type, curve or algorithm in the JWKS are never used, whatever their kid")
    func wrongKeyTypes() async throws {
        let key = P256.Signing.PrivateKey()
        let raw = key.publicKey.rawRepresentation
        let x = Base64URL.encode(raw.prefix(32))
        let y = Base64URL.encode(raw.suffix(32))
        let transport = JWKSTransport(keys: [:])
        transport.serve(
            json: Data(
                #"""
                {"keys":[
                  {"kty":"RSA","kid":"rsa","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"},
                  {"kty":"EC","crv":"P-384","kid":"p384","x":"\#(x)","y":"\#(y)"},
                  {"kty":"EC","crv":"P-256","alg":"ES512","kid":"es512","x":"\#(x)","y":"\#(y)"},
                  {"kty":"oct","kid":"oct","k":"c2VjcmV0"},
                  {"kty":"EC","crv":"P-256","kid":"good","x":"\#(x)","y":"\#(y)"}
                ]}
                """#.utf8
            )
        )
        let verifier = Self.verifier(transport, policy: .init(unknownKeyRefetchInterval: .infinity))
        for kid in ["rsa", "p384", "es512", "oct"] {
            await #expect(throws: LoginError.invalidIDToken(.unknownKey), "kid \(kid)") {
                try await Self.verify(verifier, try TestIDToken.es256(key: key, kid: kid))
            }
        }
        #expect(try await Self.verify(verifier, try TestIDToken.es256(key: key, kid: "good")).subject == "U1")
        #expect(transport.requests == 1)
    }

    @Test("algorithm confusion: HS256 where ES256 is expected and the reverse, alg none, and a JWKS key used as an HMAC secret")
    func algorithmConfusion() async throws {
        let key = P256.Signing.PrivateKey()
        let transport = JWKSTransport(keys: ["k1": key.publicKey])
        let native = Self.verifier(transport)
        let secret = "0123456789abcdef0123456789abcdef"
        let web = IDTokenVerifier(channelID: "1234567890", channelSecret: secret, allowedAlgorithms: [.hs256], jwks: nil)
        let both = IDTokenVerifier(
            channelID: "1234567890",
            channelSecret: secret,
            allowedAlgorithms: [.hs256, .es256],
            jwks: JWKSCache(keys: ["k1": key.publicKey])
        )
        let hs256 = try TestIDToken.hs256(secret: Data(secret.utf8))
        let es256 = try TestIDToken.es256(key: key, kid: "k1")
        let publicKeyAsSecret = try TestIDToken.hs256(
            secret: key.publicKey.x963Representation,
            header: ["alg": "HS256", "typ": "JWT", "kid": "k1"]
        )
        let none = String(try TestIDToken.signingInput(header: ["alg": "none", "kid": "k1"])) + "."
        let esHeaderHMACSignature = try TestIDToken.hs256(secret: Data(secret.utf8), header: ["alg": "ES256", "kid": "k1"])
        let cases: [(IDTokenVerifier, String, IDTokenFailure, String)] = [
            (native, hs256, .unexpectedAlgorithm, "HS256 on a native channel"),
            (native, publicKeyAsSecret, .unexpectedAlgorithm, "HMAC keyed with the JWKS key"),
            (native, none, .unsupportedAlgorithm, "alg none on a native channel"),
            (web, es256, .unexpectedAlgorithm, "ES256 on a web channel"),
            (web, none, .unsupportedAlgorithm, "alg none on a web channel"),
            (both, publicKeyAsSecret, .badSignature, "HMAC keyed with the JWKS key, both allowed"),
            (both, esHeaderHMACSignature, .badSignature, "ES256 header over an HMAC signature"),
        ]
        for (verifier, token, failure, name) in cases {
            await #expect(throws: LoginError.invalidIDToken(failure), "\(name)") { try await Self.verify(verifier, token) }
        }
        #expect(try await Self.verify(both, hs256).subject == "U1")
        #expect(try await Self.verify(both, es256).subject == "U1")
        #expect(transport.requests == 0, "refused before any key was fetched")
    }
}
