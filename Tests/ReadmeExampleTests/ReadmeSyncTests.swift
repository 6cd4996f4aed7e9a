import Foundation
import Testing

/// Keeps the README's Swift examples and the tests that compile them identical: every fenced `swift` block of the
/// README must appear, line for line (indentation aside), in one of the README example test files, and its imports
/// among that file's imports.
@Suite("The README's Swift blocks are the compiled ones")
struct ReadmeSyncTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The files holding the README's examples: this target's, and the integrations' own README tests.
    static func exampleFiles() throws -> [URL] {
        let here = root.appending(path: "Tests/ReadmeExampleTests")
        let own = try FileManager.default.contentsOfDirectory(at: here, includingPropertiesForKeys: nil).filter {
            $0.pathExtension == "swift" && $0.lastPathComponent != "ReadmeSyncTests.swift"
        }
        return own + [
            root.appending(path: "Tests/LineLoginHummingbirdTests/ReadmeExampleTests.swift"),
            root.appending(path: "Tests/LineLoginVaporTests/ReadmeExampleTests.swift"),
        ]
    }

    /// The contents of every fenced `swift` block, in order.
    static func swiftBlocks(of markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in markdown.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```swift" {
                current = []
            } else if current != nil, trimmed == "```" {
                blocks.append(current!)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    static func significant(_ lines: [String]) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func contains(_ haystack: [String], run needle: [String]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test("every swift block of the README is in a compiled test, and the README has such blocks")
    func readmeBlocksAreCompiled() throws {
        let readme = try String(contentsOf: Self.root.appending(path: "README.md"), encoding: .utf8)
        let blocks = Self.swiftBlocks(of: readme)
        #expect(blocks.count >= 6)
        let files = try Self.exampleFiles().map {
            try Self.significant(String(contentsOf: $0, encoding: .utf8).components(separatedBy: "\n"))
        }
        for block in blocks {
            let lines = Self.significant(block)
            let imports = lines.filter { $0.hasPrefix("import ") }
            let code = lines.filter { !$0.hasPrefix("import ") }
            let home = files.first { Self.contains($0, run: code) && imports.allSatisfy($0.contains) }
            #expect(home != nil, "no README example test holds this block (with its imports) as printed:\n\(block.joined(separator: "\n"))")
        }
    }

    @Test("the block extractor reads fenced swift blocks only")
    func extractor() {
        let markdown = "text\n```swift\nlet a = 1\n\n    let b = 2\n```\n```sh\nls\n```\n"
        #expect(Self.swiftBlocks(of: markdown) == [["let a = 1", "", "    let b = 2"]])
        #expect(Self.contains(["x", "let a = 1", "let b = 2"], run: ["let a = 1", "let b = 2"]))
        #expect(!Self.contains(["let a = 1", "x", "let b = 2"], run: ["let a = 1", "let b = 2"]))
    }
}
