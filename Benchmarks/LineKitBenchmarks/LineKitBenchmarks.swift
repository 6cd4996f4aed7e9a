import Benchmark
import Crypto
import Foundation
import LineCore
import LineEmulatorTesting
import LineLogin
import LineMessaging

// Names have no spaces or punctuation: the benchmark tool writes and reads threshold files by name.
// Allocation counts are checked against Thresholds/ with 10% tolerance. Times vary with the machine and its load,
// so they are checked only for gross regressions (4x slower). Each benchmark runs briefly so CI can run them all.
nonisolated(unsafe) let tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
    .mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 20]),
    .wallClock: .init(relative: [.p90: 300.0]),
    .throughput: .init(relative: [.p90: 75.0]),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 20_000,
        thresholds: tolerances
    )

    let login = LineLoginClient(configuration: .web(channelID: "1234567890", channelSecret: "0123456789abcdef0123456789abcdef"))

    Benchmark("PKCEPair") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(PKCEPair.generate()) }
    }

    Benchmark("AuthorizationURL") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try login.authorizationRedirect(redirectURI: "https://example.com/callback", scopes: [.profile, .openid]))
        }
    }

    let pending = PendingAuthorization(
        version: .v2_1, state: "n5B9rZ4zQx", nonce: "abc", codeVerifier: nil, redirectURI: "https://example.com/callback",
        scopes: [.profile, .openid], maxAge: nil, createdAt: Date()
    )
    Benchmark("CallbackParsing") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Callback.parse("code=Zfl2HaxrRAG2nMcDjHe6&state=n5B9rZ4zQx&friendship_status_changed=true", expecting: pending))
        }
    }

    let secret = "0123456789abcdef0123456789abcdef"
    let hs256 = Fixtures.hs256Token(secret: secret)
    let hsVerifier = IDTokenVerifier(channelID: "1234567890", channelSecret: secret, allowedAlgorithms: [.hs256], jwks: nil)
    Benchmark("IDTokenVerificationHS256") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await hsVerifier.verify(hs256, expecting: .init(nonce: .value("n1")))) }
    }

    let ecKey = P256.Signing.PrivateKey()
    let es256 = Fixtures.es256Token(key: ecKey, kid: "k1")
    let esVerifier = IDTokenVerifier(
        channelID: "1234567890", channelSecret: nil, allowedAlgorithms: [.es256], jwks: JWKSCache(keys: ["k1": ecKey.publicKey])
    )
    Benchmark("IDTokenVerificationES256") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await esVerifier.verify(es256, expecting: .init(nonce: .value("n1")))) }
    }

    let signer = JWTAssertionSigner(channelID: "1234567890", keyID: "kid", keys: try! AssertionKeyPair.generate())
    Benchmark("JWTAssertionSigningRS256", configuration: .init(maxIterations: 2_000)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await signer.assertion(tokenLifetime: .seconds(86_400))) }
    }

    let messages = [try! Message.text("Hello from LineKit 🍎"), Message.sticker(packageID: "446", stickerID: "1988")]
    Benchmark("PushRequestEncoding") { benchmark in
        struct Body: Encodable {
            var to: String
            var messages: [Message]
        }
        for _ in benchmark.scaledIterations {
            blackHole(try JSONEncoder().encode(Body(to: "U1f2a3b4c5d6e7f8091a2b3c4d5e6f701", messages: messages)))
        }
    }

    Benchmark(
        "EmulatorShortLivedTokenIssueOverLoopback",
        configuration: .init(
            metrics: [.wallClock, .throughput], maxIterations: 2_000,
            thresholds: tolerances.filter { $0.key != .mallocCountTotal }
        )
    ) { benchmark in
        try await TestEmulator.run(clock: .init()) { emulator in
            let client = ChannelAccessTokenClient(api: LineAPIClient(configuration: .init(endpoints: .emulator(emulator.baseURL), limiter: nil)))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await client.issueShortLived(channelID: "2000000003", channelSecret: "a1b2c3d4e5f60718293a4b5c6d7e8f90"))
            }
            benchmark.stopMeasurement()
        }
    }
}

enum Fixtures {
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func payload() -> Data {
        let now = Int(Date().timeIntervalSince1970)
        return Data(
            #"{"iss":"https://access.line.me","sub":"U1f2a3b4c5d6e7f8091a2b3c4d5e6f701","aud":"1234567890","exp":\#(now + 86_400),"iat":\#(now),"nonce":"n1","amr":["pwd"],"name":"Brown"}"#
                .utf8
        )
    }

    static func hs256Token(secret: String) -> String {
        let input = base64URL(Data(#"{"typ":"JWT","alg":"HS256"}"#.utf8)) + "." + base64URL(payload())
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(mac))
    }

    static func es256Token(key: P256.Signing.PrivateKey, kid: String) -> String {
        let input = base64URL(Data(#"{"typ":"JWT","alg":"ES256","kid":"\#(kid)"}"#.utf8)) + "." + base64URL(payload())
        let signature = try! key.signature(for: Data(input.utf8))
        return input + "." + base64URL(signature.rawRepresentation)
    }
}
