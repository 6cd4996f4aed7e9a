import Foundation
import Testing

@testable import LineEmulator

/// Form and query parsing: the repeated-parameter rules, and a cost linear in the input however it repeats names.
@Suite("Parameters")
struct ParametersTests {
    @Test("the first value wins; repeated names are listed once each, in order of first repetition; all() keeps every value")
    func repeatedNames() throws {
        let parameters = try Parameters(urlEncoded: "b=1&a=1&b=2&c=1&a=2&b=3&a=&d=1")
        #expect(parameters["a"] == "1")
        #expect(parameters["b"] == "1")
        #expect(parameters["c"] == "1")
        #expect(parameters.nonEmpty("d") == "1")
        #expect(parameters.repeatedNames == ["b", "a"])
        #expect(parameters.all("b") == ["1", "2", "3"])
        #expect(parameters.all("a") == ["1", "2", ""])
        #expect(parameters.all("c") == ["1"])
        #expect(parameters.all("missing").isEmpty)
    }

    @Test("a name first given empty keeps its empty value, and repeating it still counts as a repetition")
    func emptyFirstValue() throws {
        let parameters = try Parameters(urlEncoded: "scope=&scope=profile")
        #expect(parameters["scope"] == "")
        #expect(parameters.nonEmpty("scope") == nil)
        #expect(parameters.repeatedNames == ["scope"])
        #expect(parameters.all("scope") == ["", "profile"])
    }

    /// Names repeated in the attack: 100,000 distinct names, each given twice (about 2.6 MB).
    static let repeatedNameCount = 100_000

    /// Quadratic parsing took 148 s here; linear takes about 0.3 s in a debug build. The bound leaves room for a busy
    /// machine running the whole suite in parallel while still failing for anything worse than linear.
    @Test("100,000 repeated names parse in seconds, not minutes")
    func manyRepeatedNames() throws {
        let names = (0..<Self.repeatedNameCount).map { "n\($0)" }
        let text = (names + names).map { $0 + "=v" }.joined(separator: "&")
        let clock = ContinuousClock()
        var parameters = Parameters()
        let elapsed = try clock.measure { parameters = try Parameters(urlEncoded: text) }
        #expect(parameters.repeatedNames.count == Self.repeatedNameCount)
        #expect(parameters.repeatedNames.first == "n0")
        #expect(parameters.repeatedNames.last == "n\(Self.repeatedNameCount - 1)")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }
}
