import Foundation
import Testing

/// Keeps the Swift examples of the DocC catalogs compiled: every fenced `swift` block of a catalog page must appear,
/// line for line (indentation aside), in one of the example test files (`Tests/*/*ExampleTests.swift`:
/// ArticleExampleTests holds the articles' blocks the README does not show, each integration's CatalogExampleTests its
/// catalog's), with its imports among that file's imports. ReadmeSyncTests' rules, on the catalogs.
@Suite("The DocC catalogs' Swift blocks are compiled ones")
struct DocCArticleSyncTests {
    /// Every `*ExampleTests.swift` file of the test targets: the README's examples, ArticleExampleTests and the
    /// integrations' CatalogExampleTests (each compiled in its own target).
    static func exampleFiles() throws -> [URL] {
        let tests = ReadmeSyncTests.root.appending(path: "Tests")
        var files: [URL] = []
        for target in try FileManager.default.contentsOfDirectory(atPath: tests.path).sorted() {
            let folder = tests.appending(path: target)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            files += names.filter { $0.hasSuffix("ExampleTests.swift") }.sorted().map { folder.appending(path: $0) }
        }
        return files
    }

    static func catalogPages() throws -> [URL] {
        let sources = ReadmeSyncTests.root.appending(path: "Sources")
        var pages: [URL] = []
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted() {
            let catalog = sources.appending(path: module).appending(path: "Documentation.docc")
            guard let files = try? FileManager.default.contentsOfDirectory(at: catalog, includingPropertiesForKeys: nil) else { continue }
            pages += files.filter { $0.pathExtension == "md" }
        }
        return pages
    }

    @Test("every swift block of a DocC catalog is in a compiled test, and the catalogs have such blocks")
    func catalogBlocksAreCompiled() throws {
        let files = try Self.exampleFiles().map {
            try ReadmeSyncTests.significant(String(contentsOf: $0, encoding: .utf8).components(separatedBy: "\n"))
        }
        var count = 0
        for page in try Self.catalogPages() {
            for block in ReadmeSyncTests.swiftBlocks(of: try String(contentsOf: page, encoding: .utf8)) {
                count += 1
                let lines = ReadmeSyncTests.significant(block)
                let imports = lines.filter { $0.hasPrefix("import ") }
                let code = lines.filter { !$0.hasPrefix("import ") }
                let home = files.first { ReadmeSyncTests.contains($0, run: code) && imports.allSatisfy($0.contains) }
                #expect(
                    home != nil,
                    "no example test holds this block of \(page.lastPathComponent) (with its imports) as printed:\n\(block.joined(separator: "\n"))"
                )
            }
        }
        #expect(count >= 20)
    }
}
