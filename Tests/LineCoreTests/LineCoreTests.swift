import Foundation
import HTTPTypes
import LineCore
import Logging
import Synchronization
import Testing

/// A transport that answers from a script, recording what it was sent.
final class ScriptedTransport: LineTransport {
    private let script: Mutex<[Result<LineHTTPResponse, LineTransportError>]>
    private let sent = Mutex<[LineHTTPRequest]>([])

    init(_ script: [Result<LineHTTPResponse, LineTransportError>]) {
        self.script = Mutex(script)
    }

    var requests: [LineHTTPRequest] { sent.withLock { $0 } }

    func send(_ request: LineHTTPRequest) async throws -> LineHTTPResponse {
        sent.withLock { $0.append(request) }
        let next = script.withLock { $0.isEmpty ? .success(LineHTTPResponse(status: 200)) : $0.removeFirst() }
        return try next.get()
    }

    static func response(_ status: Int, _ body: String = "", requestID: String = "0123456789abcdef") -> Result<
        LineHTTPResponse, LineTransportError
    > {
        var headers = HTTPFields()
        headers[.lineRequestID] = requestID
        return .success(LineHTTPResponse(status: status, headers: headers, body: Data(body.utf8)))
    }
}

final class RecordingSleeper: RetrySleeper {
    private let recorded = Mutex<[Duration]>([])
    var delays: [Duration] { recorded.withLock { $0 } }
    func sleep(for duration: Duration) async throws { recorded.withLock { $0.append(duration) } }
}

/// Collects log records for assertions.
final class CapturedLogs: Sendable {
    let records = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String {
        records.withLock { $0.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n") }
    }
}

struct CapturingHandler: LogHandler {
    let capture: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        capture.records.withLock { $0.append((event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })) }
    }
}

@Suite("LineCore")
struct CoreTests {
    static func client(_ transport: ScriptedTransport, sleeper: RecordingSleeper = RecordingSleeper(), logger: Logger? = nil)
        -> LineAPIClient
    {
        LineAPIClient(
            configuration: .init(
                endpoints: .production,
                transport: transport,
                retryPolicy: RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(100)),
                sleeper: sleeper,
                limiter: nil,
                logger: logger
            )
        )
    }

    @Test("OAuth and Messaging error bodies both become LineAPIError with the request ID")
    func errorShapes() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.response(400, #"{"error":"invalid_grant","error_description":"invalid refresh token"}"#),
            ScriptedTransport.response(
                400,
                #"{"message":"The request body has 1 error(s)","details":[{"message":"May not be empty","property":"messages[0].text"}]}"#
            ),
        ])
        let client = Self.client(transport)
        let oauth = await #expect(throws: LineAPIError.self) { try await client.postForm("/oauth2/v2.1/token", []) }
        #expect(oauth?.error == "invalid_grant")
        #expect(oauth?.errorDescription == "invalid refresh token")
        #expect(oauth?.requestID == "0123456789abcdef")
        #expect(oauth?.endpoint == "POST https://api.line.me/oauth2/v2.1/token")
        let messaging = await #expect(throws: LineAPIError.self) { try await client.postForm("/v2/bot/message/push", []) }
        #expect(messaging?.message == "The request body has 1 error(s)")
        #expect(messaging?.details.first?.property == "messages[0].text")
    }

    @Test("idempotent calls retry 429, 5xx and timeouts with growing jittered delays; others are not retried")
    func retries() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.response(429), ScriptedTransport.response(503), .failure(LineTransportError(code: .timeout, message: "t")),
            ScriptedTransport.response(200, "{}"),
        ])
        let sleeper = RecordingSleeper()
        _ = try await Self.client(transport, sleeper: sleeper).get("/v2/profile", bearer: "token")
        #expect(transport.requests.count == 4)
        #expect(sleeper.delays.count == 3)
        let caps: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400)]
        for (delay, cap) in zip(sleeper.delays, caps) { #expect(delay <= cap) }

        let once = ScriptedTransport([ScriptedTransport.response(500), ScriptedTransport.response(200)])
        await #expect(throws: LineAPIError.self) { try await Self.client(once).postForm("/oauth2/v2.1/token", []) }
        #expect(once.requests.count == 1, "a code exchange is never repeated")

        let badRequest = ScriptedTransport([ScriptedTransport.response(400), ScriptedTransport.response(200)])
        await #expect(throws: LineAPIError.self) { try await Self.client(badRequest).get("/v2/profile") }
        #expect(badRequest.requests.count == 1, "4xx other than 429 is not retried")
    }

    @Test("the backoff is full jitter under a doubling cap, bounded by maximumDelay")
    func backoff() {
        let policy = RetryPolicy(maximumAttempts: 10, baseDelay: .milliseconds(200), maximumDelay: .seconds(1))
        #expect(policy.delay(afterAttempt: 1) { $0 } == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 2) { $0 } == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 5) { $0 } == .seconds(1))
        #expect(policy.delay(afterAttempt: 3) { _ in 0 } == .zero)
    }

    @Test("guideline records: request ID, RFC 1123 time, method, endpoint without query, status; no tokens")
    func logRecords() async throws {
        let logs = CapturedLogs()
        let transport = ScriptedTransport([ScriptedTransport.response(200, "{}", requestID: "8d48c8577e739b9c")])
        _ = try await Self.client(transport, logger: logs.logger).get(
            "/oauth2/v2.1/verify",
            query: [("access_token", "SECRET-ACCESS-TOKEN")]
        )
        let record = try #require(logs.records.withLock { $0.first })
        #expect(record.metadata["line.request_id"] == "8d48c8577e739b9c")
        #expect(record.metadata["line.endpoint"] == "https://api.line.me/oauth2/v2.1/verify")
        #expect(record.metadata["line.status"] == "200")
        #expect(!logs.text.contains("SECRET-ACCESS-TOKEN"))
        #expect(GuidelineLog.rfc1123(Date(timeIntervalSince1970: 1_626_430_822)) == "Fri, 16 Jul 2021 10:20:22 GMT")
        #expect(
            GuidelineLog.apiRequestRow(
                requestID: "8d48c8577e739b9c",
                time: Date(timeIntervalSince1970: 1_626_430_822),
                method: "POST",
                endpoint: URL(string: "https://api.line.me/oauth2/v2.1/token")!,
                status: 200
            ) == "8d48c8577e739b9c · Fri, 16 Jul 2021 10:20:22 GMT · POST · https://api.line.me/oauth2/v2.1/token · 200"
        )
    }

    @Test("base64url: RFC 4648 vectors both ways, padding tolerated, anything else refused")
    func base64URL() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Data(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Data(plain.utf8))
        }
        #expect(Base64URL.encode(Data([0xfb, 0xff, 0xbf])) == "-_-_")
        #expect(Base64URL.decode("-_-_") == Data([0xfb, 0xff, 0xbf]))
        #expect(Base64URL.decode("Zg==") == Data("f".utf8))
        #expect(Base64URL.decode("Zm8=") == Data("fo".utf8))
        #expect(Base64URL.decode(utf8: Array("Zm9v".utf8)) == Data("foo".utf8))
        for invalid in ["Z", "Zm9vY", "+/+/", "Zm 9", "Zg=g", "Zm9v\u{e9}"] {
            #expect(Base64URL.decode(invalid) == nil, "\(invalid)")
        }
    }

    @Test("JSONValue: integers, numbers, booleans, null, arrays and objects decode to their own cases and round-trip")
    func jsonValue() throws {
        let text = #"{"i":1,"d":1.5,"t":true,"f":false,"n":null,"s":"x","a":[1,"y"],"o":{"k":[]}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let members = try #require(value.objectValue)
        #expect(members["i"] == .integer(1))
        #expect(members["d"] == .number(1.5))
        #expect(members["t"] == .bool(true))
        #expect(members["f"] == .bool(false))
        #expect(members["n"] == .null)
        #expect(members["s"]?.stringValue == "x")
        #expect(members["i"]?.numberValue == 1 && members["d"]?.numberValue == 1.5 && members["s"]?.numberValue == nil)
        #expect(members["a"]?.arrayValue == [.integer(1), .string("y")])
        #expect(members["o"]?.objectValue?["k"] == .array([]))
        #expect(try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value)) == value)
    }

    @Test("JSON parsing: every kind of value, escapes, surrogate pairs, and the same result as JSONDecoder")
    func jsonParsing() throws {
        let text = #"""
             { "s": "a\"b\\c\/d\b\f\n\r\t", "u": "\u3042\ud83c\udf4e", "raw": "あ🍎", "i": -12, "z": 0, "big": 12345678901234567890,
              "d": -1.5e3, "e": 1E-2, "t": true, "f": false, "n": null, "a": [1, [2, []], {}], "o": {"k": {"k": "v"}} }
            """#
        let value = try #require(JSONValue(parsing: Array(text.utf8)))
        let members = try #require(value.objectValue)
        #expect(members["s"] == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(members["u"] == .string("あ🍎"))
        #expect(members["raw"] == .string("あ🍎"))
        #expect(members["i"] == .integer(-12))
        #expect(members["z"] == .integer(0))
        #expect(members["big"] == .number(12345678901234567890))
        #expect(members["d"] == .number(-1500))
        #expect(members["e"] == .number(0.01))
        #expect(members["t"] == .bool(true) && members["f"] == .bool(false) && members["n"] == .null)
        #expect(members["a"] == .array([.integer(1), .array([.integer(2), .array([])]), .object([:])]))
        #expect(members["o"]?.objectValue?["k"]?.objectValue?["k"] == .string("v"))
        // The same as the Decodable path, but for numbers: JSONDecoder reads -1.5e3 as the integer -1500.
        let plain = #"{"s": "a\"\u3042\ud83c\udf4e", "i": -12, "d": 2.5, "t": true, "n": null, "a": [1, [2, []], {}]}"#
        #expect(JSONValue(parsing: Array(plain.utf8)) == (try JSONDecoder().decode(JSONValue.self, from: Data(plain.utf8))))
        #expect(JSONValue(parsing: Array(" [ ] ".utf8)) == .array([]))
    }

    @Test(
        "JSON parsing refuses what RFC 8259 refuses",
        arguments: [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]",
            "[\"a]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\ud83c\"]", "[\"\\udf4e\"]", "[\"tab\there\"]", "[tru]", "[nul]",
            "[1] [2]", "[1] x", "NaN", "'a'",
        ]
    )
    func jsonParsingRefuses(text: String) {
        #expect(JSONValue(parsing: Array(text.utf8)) == nil)
    }

    @Test("JSON parsing refuses invalid UTF-8 and nesting past the limit")
    func jsonParsingLimits() {
        #expect(JSONValue(parsing: [UInt8(ascii: "\""), 0xFF, 0xFE, UInt8(ascii: "\"")]) == nil)
        #expect(
            JSONValue(parsing: Array((String(repeating: "[", count: 10) + String(repeating: "]", count: 10)).utf8), maximumDepth: 10) != nil
        )
        #expect(
            JSONValue(parsing: Array((String(repeating: "[", count: 11) + String(repeating: "]", count: 11)).utf8), maximumDepth: 10) == nil
        )
        #expect(JSONValue(parsing: Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)) == nil)
    }

    @Test("JSON writing: the same text as JSONEncoder for strings with every escape, numbers and nesting")
    func jsonWriting() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let strings = ["", "plain", "a\"b\\c/d", "\u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\u{7F}", "あ🍎 é", "</script>"]
        for string in strings {
            let value = JSONValue.string(string)
            #expect(value.jsonBytes == Array(try encoder.encode(value)), "\(string.debugDescription)")
        }
        let value = JSONValue.object([
            "s": .string("x"), "i": .integer(-12), "d": .number(2.5), "whole": .number(1500), "tiny": .number(1e-7),
            "t": .bool(true), "n": .null, "a": .array([.integer(1), .array([]), .object([:])]),
            "o": .object(["b": .integer(2), "a": .integer(1)]),
        ])
        #expect(String(decoding: value.jsonBytes, as: UTF8.self) == String(decoding: try encoder.encode(value), as: UTF8.self))
        #expect(JSONValue(parsing: value.jsonBytes) == JSONValue(parsing: Array(try encoder.encode(value))))
        #expect(JSONValue.number(.infinity).jsonBytes == Array("null".utf8))
        #expect(JSONValue.number(1e300).jsonBytes == Array("1e+300".utf8))

        var writer = JSONWriter()
        writer.beginObject()
        writer.member("a", "x")
        writer.member("b", ifPresent: nil)
        writer.member("c", 3)
        writer.key("d")
        writer.beginArray()
        writer.integer(1)
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":"x","c":3,"d":[1,{}]}"#)
    }

    @Test("endpoints: production hosts, or one emulator base for both")
    func endpoints() {
        #expect(Endpoints.production.api("/v2/profile").absoluteString == "https://api.line.me/v2/profile")
        #expect(
            Endpoints.production.authorization("/oauth2/v2.1/authorize").absoluteString == "https://access.line.me/oauth2/v2.1/authorize"
        )
        let local = Endpoints.emulator(URL(string: "http://127.0.0.1:8123/")!)
        #expect(local.api("/v2/profile").absoluteString == "http://127.0.0.1:8123/v2/profile")
    }
}
