import Foundation
import LineCore

/// The `alg` and `kid` of a compact JWS, read before any key is chosen so that `alg: none` and algorithm confusion
/// are refused by name; the signature itself is jwt-kit's to check.
struct JOSEHeader: Sendable {
    var alg: String
    var kid: String?

    /// `nil` unless `token` has three parts and a JSON object header with a string `alg`.
    init?(token: String) {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(utf8: parts[0]),
            let object = JSONValue(parsing: bytes, maximumDepth: 4)?.objectValue, let alg = object["alg"]?.stringValue
        else { return nil }
        self.alg = alg
        kid = object["kid"]?.stringValue
    }
}
