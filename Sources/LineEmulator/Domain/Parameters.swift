import Foundation

/// Decoded `application/x-www-form-urlencoded` parameters (a query string or a form body), strict about encoding.
struct Parameters: Sendable {
    enum ParseError: Error, Equatable {
        /// A `%` escape is incomplete, or the decoded bytes are not UTF-8.
        case malformedEncoding
    }

    private(set) var values: [String: String] = [:]
    /// Names that appeared more than once, in order of first repetition.
    private(set) var repeatedNames: [String] = []
    /// Every value of names that appeared more than once (checkbox groups), in order.
    private var repeatedValues: [String: [String]] = [:]

    init() {}

    init(_ values: [String: String]) {
        self.values = values
    }

    /// Parses `name=value&…`; `+` is a space. Empty segments are skipped.
    init(urlEncoded text: String) throws(ParseError) {
        let utf8 = text.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if start < end {
                let pair = utf8[start..<end]
                let name: String
                let value: String
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    name = try Self.decode(pair[..<equals])
                    value = try Self.decode(pair[utf8.index(after: equals)...])
                } else {
                    name = try Self.decode(pair)
                    value = ""
                }
                add(name, value)
            }
            start = end == utf8.endIndex ? end : utf8.index(after: end)
        }
    }

    /// Constant time per pair, so parsing stays linear however often names repeat: a name is listed in
    /// `repeatedNames` when its first repetition creates its entry in `repeatedValues`.
    private mutating func add(_ name: String, _ value: String) {
        if let first = values[name] {
            if repeatedValues[name] == nil {
                repeatedNames.append(name)
                repeatedValues[name] = [first, value]
            } else {
                repeatedValues[name]!.append(value)
            }
        } else {
            values[name] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// Every value given for `name`, in order (empty when absent).
    func all(_ name: String) -> [String] {
        repeatedValues[name] ?? values[name].map { [$0] } ?? []
    }

    /// The value of `name` when present and not empty.
    func nonEmpty(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ component: Substring.UTF8View) throws(ParseError) -> String {
        guard component.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(Substring(component))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var iterator = component.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .malformedEncoding
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .malformedEncoding }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Percent-encodes `value` for a query string, leaving only RFC 3986 unreserved characters as they are.
    static func encode(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += byte < 16 ? "%0" + hex : "%" + hex
            }
        }
        return result
    }

    /// `name=value&…` with every name and value percent-encoded.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
