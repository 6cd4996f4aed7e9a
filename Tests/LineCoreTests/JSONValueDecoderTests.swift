import Foundation
import LineCore
import Testing

@Suite("JSONValueDecoder decodes what JSONDecoder decodes, and refuses what it refuses")
struct JSONValueDecoderTests {
    struct Claims: Codable, Equatable {
        struct Address: Codable, Equatable {
            var country: String
        }
        var iss: String
        var exp: Int
        var ratio: Double
        var small: UInt8?
        var authTime: Int?
        var amr: [String]?
        var address: Address?
        var flags: [Bool]
        var extra: JSONValue?

        enum CodingKeys: String, CodingKey {
            case iss, exp, ratio, small, amr, address, flags, extra
            case authTime = "auth_time"
        }
    }

    static func both<T: Decodable & Equatable>(_ type: T.Type, _ json: String) throws -> (T, T) {
        (try JSONValueDecoder().decode(type, from: Data(json.utf8)), try JSONDecoder().decode(type, from: Data(json.utf8)))
    }

    @Test("objects, optionals, nulls, arrays, nested objects, JSONValue members and integers as doubles")
    func decodes() throws {
        let json = #"""
            {"iss":"https://access.line.me","exp":1800000000,"ratio":2,"small":255,"auth_time":null,"amr":["pwd","mfa"],
             "address":{"country":"JP"},"flags":[true,false],"extra":{"a":[1,"x",null]},"ignored":{"deep":[[]]}}
            """#
        let (fast, reference) = try Self.both(Claims.self, json)
        #expect(fast == reference)
        #expect(fast.authTime == nil && fast.amr == ["pwd", "mfa"] && fast.ratio == 2 && fast.small == 255)
        #expect(try JSONValueDecoder().decode([String: JSONValue].self, from: Data(#"{"a":1}"#.utf8)) == ["a": .integer(1)])
    }

    @Test(
        "missing keys, wrong types, integers out of range or fractional, and invalid JSON throw",
        arguments: [
            #"{"exp":1,"ratio":1,"flags":[]}"#,
            #"{"iss":1,"exp":1,"ratio":1,"flags":[]}"#,
            #"{"iss":"i","exp":1.5,"ratio":1,"flags":[]}"#,
            #"{"iss":"i","exp":1,"ratio":1,"small":256,"flags":[]}"#,
            #"{"iss":"i","exp":1,"ratio":"1","flags":[]}"#,
            #"{"iss":"i","exp":1,"ratio":1,"flags":[1]}"#,
            #"{"iss":"i","exp":1,"ratio":1,"flags":{}}"#,
            #"{"iss":"i","exp":1,"ratio":1,"flags":[]"#,
            #"["iss"]"#,
        ]
    )
    func refuses(json: String) {
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Claims.self, from: Data(json.utf8)) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Claims.self, from: Data(json.utf8)) }
    }
}
