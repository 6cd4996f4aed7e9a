import Foundation
import LineMessaging
import Testing

/// LINE's official Python SDK judges the same signed bodies the Swift SDK accepts (`.venv`, as `scripts/test`
/// installs it). Without the venv the test is off locally and fails under CI, where it must run.
@Suite("Webhook cross-check with LINE's Python SDK")
struct WebhookPythonSDKTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = root.appendingPathComponent(".venv/bin/python").path
    static let runs =
        FileManager.default.isExecutableFile(atPath: python)
        || ProcessInfo.processInfo.environment["CI"] == "true"

    /// Reads `[{"body", "signature"}]` on stdin; prints one line per body: its event types, or the error's name.
    static let script = """
        import json, sys
        from linebot.v3 import WebhookParser
        parser = WebhookParser(sys.argv[1])
        for case in json.load(sys.stdin):
            try:
                print(" ".join(event.type for event in parser.parse(case["body"], case["signature"])))
            except Exception as error:
                print(type(error).__name__)
        """

    @Test("LINE's WebhookParser accepts every signature the Swift SDK accepts, and refuses a modified body", .enabled(if: runs))
    func crossCheck() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no \(Self.python): run scripts/test")
        let secret = "2f9e1c0d3b4a59687766554433221100"
        let samples = [
            WebhookSamples.textMessage, WebhookSamples.stickerMessage, WebhookSamples.imageMessage,
            WebhookSamples.follow, WebhookSamples.unfollow, WebhookSamples.join, WebhookSamples.leave,
            WebhookSamples.memberJoined, WebhookSamples.memberLeft, WebhookSamples.unsend, WebhookSamples.postback,
            WebhookSamples.videoPlayComplete, WebhookSamples.beacon, WebhookSamples.accountLink,
            WebhookSamples.membership,
        ]
        var cases: [[String: String]] = []
        var expected: [String] = []
        let parser = WebhookParser(channelSecret: secret)
        for body in samples {
            let bytes = Array(body.utf8)
            let signature = WebhookSamples.signature(of: bytes, secret: secret)
            let payload = try parser.parse(body: bytes, signature: signature)
            cases.append(["body": body, "signature": signature])
            expected.append(payload.events.map(\.type).joined(separator: " "))
        }
        // The first body with one character changed, under its original signature.
        cases.append(["body": samples[0].replacingOccurrences(of: "Morning", with: "morning"), "signature": cases[0]["signature"]!])
        expected.append("InvalidSignatureError")

        let lines = try Self.runPython(arguments: ["-c", Self.script, secret], input: JSONSerialization.data(withJSONObject: cases))
        #expect(lines == expected)
    }

    private static func runPython(arguments: [String], input: Data) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
