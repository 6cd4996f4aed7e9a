import Foundation
import JWTKit
import LineCore

/// jwt-kit's parser with `JSONValueDecoder` in place of `JSONDecoder`, which on Linux took most of an HS256 ID-token
/// verification's time decoding the header and claims.
struct JSONValueJWTDecoder: JWTJSONDecoder {
    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T { try JSONValueDecoder().decode(type, from: data) }
}

extension DefaultJWTParser {
    static let lineKit = DefaultJWTParser(jsonDecoder: JSONValueJWTDecoder())
}

extension JWTKeyCollection {
    /// An empty collection that parses with `DefaultJWTParser.lineKit`.
    static func lineKit() -> JWTKeyCollection { JWTKeyCollection(defaultJWTParser: DefaultJWTParser.lineKit) }
}
