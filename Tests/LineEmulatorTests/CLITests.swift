import Crypto
import Foundation
import LineEmulator
import LineEmulatorTesting
import Testing

/// Runs the built `linekit` tool subcommands as a user would, against an in-process emulator.
@Suite("The linekit tool subcommands")
struct CLITests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String

        /// The JSON object the command printed (after any lines of text before it).
        var json: [String: Any] {
            guard let start = output.firstIndex(of: "{") else { return [:] }
            return ((try? JSONSerialization.jsonObject(with: Data(output[start...].utf8))) as? [String: Any]) ?? [:]
        }
    }

    /// Runs `linekit arguments`, with no emulator or secret taken from the environment, and waits for it to exit.
    static func linekit(_ arguments: [String]) async throws -> Run {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "linekit")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the package first: \(executable.path)")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LINEKIT_EMULATOR"] = nil
        environment["LINE_CHANNEL_SECRET"] = nil
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return Run(
            status: process.terminationStatus,
            output: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            errors: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        )
    }

    static func challenge(of verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test("pkce prints an S256 pair of the asked length, and refuses a length outside 43 to 128")
    func pkce() async throws {
        let run = try await Self.linekit(["pkce", "--length", "43"])
        #expect(run.status == 0, "\(run.errors)")
        let verifier = try #require(run.json["code_verifier"] as? String)
        #expect(verifier.count == 43)
        #expect(run.json["code_challenge"] as? String == Self.challenge(of: verifier))
        #expect(run.json["code_challenge_method"] as? String == "S256")
        let refused = try await Self.linekit(["pkce", "--length", "42"])
        #expect(refused.status != 0 && refused.errors.contains("--length must be between 43 and 128"))
    }

    @Test("login-url prints the emulator's authorization URL and the state, nonce and verifier the callback needs")
    func loginURL() async throws {
        try await TestEmulator.run { emulator in
            let run = try await Self.linekit([
                "login-url", "--emulator", emulator.baseURL.absoluteString, "--channel-id", Fixture.web.channelID,
                "--redirect-uri", Fixture.callback, "--scope", "profile", "--scope", "openid", "--prompt", "consent",
            ])
            #expect(run.status == 0, "\(run.errors)")
            let url = try #require(URLComponents(string: String(run.output.prefix { $0 != "\n" })))
            #expect(url.path == "/oauth2/v2.1/authorize" && url.port == emulator.port)
            let query = Dictionary(uniqueKeysWithValues: (url.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(query["client_id"] == Fixture.web.channelID && query["redirect_uri"] == Fixture.callback)
            #expect(query["scope"] == "profile openid" && query["prompt"] == "consent" && query["response_type"] == "code")
            #expect(query["state"] == run.json["state"] as? String && query["nonce"] == run.json["nonce"] as? String)
            let verifier = try #require(run.json["code_verifier"] as? String)
            #expect(query["code_challenge"] == Self.challenge(of: verifier) && query["code_challenge_method"] == "S256")

            let email = try await Self.linekit([
                "login-url", "--emulator", emulator.baseURL.absoluteString, "--channel-id", Fixture.web.channelID,
                "--redirect-uri", Fixture.callback, "--scope", "email",
            ])
            #expect(email.status != 0 && email.errors.contains("email needs openid"))
        }
    }

    @Test(
        "jwk generate writes the private JWK with mode 600 and prints a public JWK without kid; token issues, verifies and revokes with it"
    )
    func jwkAndToken() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "linekit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appending(path: "assertion-key.json").path

        let generated = try await Self.linekit(["jwk", "generate", "--private-key-file", keyFile])
        #expect(generated.status == 0, "\(generated.errors)")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let privateJWK = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: keyFile))) as? [String: Any]
        )
        for member in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
            #expect((privateJWK[member] as? String)?.isEmpty == false, "\(member)")
        }
        let publicJWK = generated.json
        #expect(publicJWK["kty"] as? String == "RSA" && publicJWK["alg"] as? String == "RS256" && publicJWK["kid"] == nil)
        #expect(publicJWK["d"] == nil && publicJWK["n"] as? String == privateJWK["n"] as? String)

        try await TestEmulator.run { emulator in
            let bot = Seed.messagingChannel
            let registered = try await RawHTTP(baseURL: emulator.baseURL).postJSON(
                "/_emulator/v1/channels/\(bot.channelID)/keys",
                publicJWK
            )
            let kid = try #require(registered.json["kid"] as? String, "\(registered.text)")
            let target = ["--emulator", emulator.baseURL.absoluteString]

            let v21 = try await Self.linekit(
                [
                    "token", "issue", "--kind", "v2.1", "--channel-id", bot.channelID, "--private-key-file", keyFile, "--kid", kid,
                    "--days", "1",
                ]
                    + target
            )
            #expect(v21.status == 0, "\(v21.errors)")
            let v21Token = try #require(v21.json["access_token"] as? String)
            #expect((v21.json["key_id"] as? String)?.isEmpty == false)
            let verified = try await Self.linekit(["token", "verify", "--kind", "v2.1", v21Token] + target)
            #expect(verified.status == 0 && verified.json["client_id"] as? String == bot.channelID, "\(verified.output) \(verified.errors)")

            let shortLived = try await Self.linekit(
                ["token", "issue", "--kind", "short-lived", "--channel-id", bot.channelID, "--channel-secret", bot.channelSecret] + target
            )
            let token = try #require(shortLived.json["access_token"] as? String, "\(shortLived.errors)")
            let revoked = try await Self.linekit(["token", "revoke", token] + target)
            #expect(revoked.status == 0 && revoked.output.hasPrefix("revoked"), "\(revoked.errors)")
            let afterRevoke = try await Self.linekit(["token", "verify", token] + target)
            #expect(afterRevoke.status == 1 && afterRevoke.errors.contains("error: LINE answered 400"), "\(afterRevoke.errors)")

            let noKid = try await Self.linekit(
                ["token", "issue", "--kind", "v2.1", "--channel-id", bot.channelID, "--private-key-file", keyFile] + target
            )
            #expect(noKid.status != 0 && noKid.errors.contains("--kid is required"))
        }
    }

    @Test("push sends a text once per retry key, which the emulator stores; an over-long text is refused before sending")
    func push() async throws {
        try await TestEmulator.run { emulator in
            let bot = Seed.messagingChannel
            let retryKey = UUID().uuidString.lowercased()
            let arguments = [
                "push", "--emulator", emulator.baseURL.absoluteString, "--channel-id", bot.channelID, "--channel-secret", bot.channelSecret,
                "--to", Fixture.brown.userID, "--retry-key", retryKey,
            ]
            let first = try await Self.linekit(arguments + ["--text", "Hello from the CLI"])
            #expect(first.status == 0, "\(first.errors)")
            #expect((first.json["sentMessages"] as? [[String: Any]])?.count == 1)
            #expect(first.json["retryKey"] as? String == retryKey && first.json["alreadyAccepted"] as? Bool == false)
            let again = try await Self.linekit(arguments + ["--text", "Hello from the CLI"])
            #expect(again.status == 0 && again.json["alreadyAccepted"] as? Bool == true, "\(again.output) \(again.errors)")

            let stored = try await RawHTTP(baseURL: emulator.baseURL).get("/_emulator/v1/messages?to=\(Fixture.brown.userID)")
            let messages = try #require(stored.json["messages"] as? [[String: Any]])
            #expect(messages.count == 1)
            #expect((messages.first?["message"] as? [String: Any])?["text"] as? String == "Hello from the CLI")

            let tooLong = try await Self.linekit(arguments + ["--text", String(repeating: "a", count: 5_001)])
            #expect(tooLong.status != 0 && tooLong.errors.contains("LINE allows 5,000"))
        }
    }
}
