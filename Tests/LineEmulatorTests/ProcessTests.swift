import Foundation
import LineEmulator
import NIOHTTP1
import Testing

/// Runs the real `linekit` executable, as a user would, next to the test bundle in the build folder.
@Suite("The linekit emulator process")
struct ProcessTests {
    /// A started `linekit emulator` process and its base URL.
    final class RunningEmulator {
        let process: Process
        let baseURL: URL
        let output: Pipe

        init(arguments: [String]) throws {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "linekit")
            try #require(
                FileManager.default.isExecutableFile(atPath: executable.path),
                "build the package first (swift build): \(executable.path) is missing"
            )
            process = Process()
            process.executableURL = executable
            process.arguments = ["emulator", "--port", "0"] + arguments
            output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            let deadline = Date().addingTimeInterval(30)
            while !text.contains("\n"), Date() < deadline {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
                process.terminate()
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no base URL in the banner: \(text)"])
            }
            baseURL = URL(string: String(text[range]))!
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() -> Int32 {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test("an acknowledged login survives kill -9 of the emulator")
    func killNine() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "linekit-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appending(path: "emulator.sqlite").path

        let first = try RunningEmulator(arguments: ["--database", database])
        let http = RawHTTP(baseURL: first.baseURL)
        let token = try await Self.login(http)
        first.kill9()
        #expect(first.process.terminationReason == .uncaughtSignal)

        let second = try RunningEmulator(arguments: ["--database", database])
        let again = RawHTTP(baseURL: second.baseURL)
        let verify = try await again.get("/oauth2/v2.1/verify?access_token=" + RawHTTP.encode(token.accessToken))
        #expect(verify.status == 200, "\(verify.text)")
        let refresh = try await again.postForm(
            "/oauth2/v2.1/token",
            [
                ("grant_type", "refresh_token"), ("refresh_token", token.refreshToken), ("client_id", Fixture.web.channelID),
                ("client_secret", Fixture.web.channelSecret),
            ]
        )
        #expect(refresh.status == 200)
        #expect(second.stop() == 0, "SIGINT shuts the emulator down gracefully")
    }

    @Test("--in-memory starts with the seed and writes no database")
    func inMemory() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "linekit-mem-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let emulator = try RunningEmulator(arguments: ["--in-memory", "--database", directory.appending(path: "x.sqlite").path])
        let channels = try await RawHTTP(baseURL: emulator.baseURL).get("/_emulator/v1/channels")
        #expect((channels.json["channels"] as? [Any])?.count == 3)
        #expect(emulator.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    /// A web login through the raw HTTP flow a browser makes: page, cookie, form, callback, token.
    static func login(_ http: RawHTTP) async throws -> (accessToken: String, refreshToken: String) {
        let page = try await http.get(AuthorizeTests.authorizePath())
        let transaction = try #require(AuthorizeTests.hidden("transaction", page.text))
        let csrf = try #require(AuthorizeTests.hidden("csrf", page.text))
        let form = [("transaction", transaction), ("csrf", csrf), ("decision", "allow"), ("user_id", Fixture.brown.userID)]
        let consent = try await http.send(
            .POST,
            "/oauth2/v2.1/authorize/consent",
            headers: [("Cookie", "linekit_csrf=\(csrf)"), ("Content-Type", "application/x-www-form-urlencoded")],
            body: Data(RawHTTP.query(form).utf8)
        )
        let code = try #require(consent.locationQuery["code"])
        let token = try await http.postForm(
            "/oauth2/v2.1/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Fixture.callback),
                ("client_id", Fixture.web.channelID), ("client_secret", Fixture.web.channelSecret),
            ]
        )
        try #require(token.status == 200)
        return (try #require(token.json["access_token"] as? String), try #require(token.json["refresh_token"] as? String))
    }
}
