import Crypto
import Foundation
import HTTPTypes
import LineCore
import Synchronization

/// A `LineTransport` that answers every request with a JWKS it can swap, counts the requests, and can fail the next
/// ones with a connection error. Each answer waits `delay`, so concurrent callers really overlap a fetch.
final class JWKSTransport: LineTransport {
    private struct State {
        var body: Data
        var requests = 0
        var failuresLeft = 0
    }

    private let state: Mutex<State>
    let delay: Duration

    init(keys: [String: P256.Signing.PublicKey], delay: Duration = .milliseconds(20)) {
        state = Mutex(State(body: Self.document(keys)))
        self.delay = delay
    }

    var requests: Int { state.withLock { $0.requests } }

    func serve(_ keys: [String: P256.Signing.PublicKey]) { serve(json: Self.document(keys)) }
    func serve(json: Data) { state.withLock { $0.body = json } }
    func failNext(_ count: Int) { state.withLock { $0.failuresLeft = count } }

    func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        let (body, fails) = state.withLock { state in
            state.requests += 1
            guard state.failuresLeft == 0 else {
                state.failuresLeft -= 1
                return (state.body, true)
            }
            return (state.body, false)
        }
        try await Task.sleep(for: delay)
        if fails { throw LineTransportError(code: .connection, message: "injected fault") }
        return LineHTTPResponse(status: 200, headers: [.contentType: "application/json"], body: body)
    }

    /// `{"keys": [...]}` with each key as an EC P-256 JWK.
    static func document(_ keys: [String: P256.Signing.PublicKey]) -> Data {
        let entries = keys.sorted { $0.key < $1.key }.map { kid, key in
            let raw = key.rawRepresentation
            return
                #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(Base64URL.encode(raw.prefix(32)))","y":"\#(Base64URL.encode(raw.suffix(32)))"}"#
        }
        return Data(#"{"keys":[\#(entries.joined(separator: ","))]}"#.utf8)
    }

    /// A client that sends through `transport`, without retries or rate limits.
    static func api(_ transport: JWKSTransport) -> LineAPIClient {
        LineAPIClient(configuration: .init(transport: transport, retryPolicy: .none, limiter: nil))
    }
}

/// Signs test ID tokens the way LINE does.
enum TestIDToken {
    static let issuedAt = 1_800_000_000

    static func claims(_ overrides: [String: Any] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": "https://access.line.me", "sub": "U1", "aud": "1234567890", "exp": issuedAt + 86_400, "iat": issuedAt,
            "nonce": "n1",
        ]
        for (name, value) in overrides { claims[name] = value }
        return claims
    }

    static func es256(key: P256.Signing.PrivateKey, kid: String, header: [String: Any]? = nil) throws -> String {
        let input = try signingInput(header: header ?? ["alg": "ES256", "typ": "JWT", "kid": kid])
        return input + "." + Base64URL.encode(try key.signature(for: Data(input.utf8)).rawRepresentation)
    }

    static func hs256(secret: Data, header: [String: Any] = ["alg": "HS256", "typ": "JWT"]) throws -> String {
        let input = try signingInput(header: header)
        return input + "."
            + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))))
    }

    static func signingInput(header: [String: Any]) throws -> String {
        Base64URL.encode(try JSONSerialization.data(withJSONObject: header)) + "."
            + Base64URL.encode(try JSONSerialization.data(withJSONObject: claims()))
    }

    static var now: Date { Date(timeIntervalSince1970: TimeInterval(issuedAt + 60)) }
}
