import Foundation
import Testing

/// Rules of the SDK's public API that the compiler does not enforce, checked on the sources of the SDK's products.
@Suite("The SDK's public API")
struct PublicAPIHygieneTests {
    static let modules = [
        "LineCore", "LineLogin", "LineMessaging", "LineMessagingPostgres", "LineKitTesting", "LineLoginHummingbird", "LineLoginVapor",
    ]
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Sources")

    /// Every line of every Swift file of the SDK's modules, with its file and number.
    static func lines() throws -> [(place: String, text: String)] {
        var result: [(String, String)] = []
        for module in modules {
            let directory = sources.appending(path: module)
            guard let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                for (index, line) in text.components(separatedBy: "\n").enumerated() {
                    result.append(("\(module)/\(file.lastPathComponent):\(index + 1)", line))
                }
            }
        }
        return result
    }

    @Test("no public declaration names an underscored type (such as CryptoExtras' _RSA)")
    func noUnderscoredTypes() throws {
        let lines = try Self.lines()
        #expect(lines.count > 1000)
        let underscored = try Regex(#"\b_[A-Z][A-Za-z0-9]*"#)
        for line in lines {
            let code = line.text.trimmingCharacters(in: .whitespaces)
            guard code.hasPrefix("public ") || code.hasPrefix("open ") else { continue }
            #expect(code.firstMatch(of: underscored) == nil, "\(line.place): \(code)")
        }
        #expect(!lines.contains { $0.text.contains("@_exported") }, "no module re-exports another")
    }

    @Test("errors are structs with an extensible code, never closed public enums")
    func noPublicErrorEnums() throws {
        let enumError = try Regex(#"^\s*public enum \w+\s*:[^{]*\bError\b"#)
        for line in try Self.lines() {
            #expect(line.text.firstMatch(of: enumError) == nil, "\(line.place): \(line.text)")
        }
    }
}
