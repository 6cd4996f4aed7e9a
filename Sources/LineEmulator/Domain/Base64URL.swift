import Foundation

/// base64url without padding (RFC 4648 §5), as used by JWS and PKCE.
enum Base64URL {
    static func encode(_ data: some DataProtocol) -> String {
        var string = Data(data).base64EncodedString()
        string = string.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while string.hasSuffix("=") { string.removeLast() }
        return string
    }

    /// Decodes base64url; `nil` for anything outside the alphabet (padding is tolerated).
    static func decode(_ string: some StringProtocol) -> Data? {
        var base64 = String(string).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard base64.utf8.allSatisfy({ isBase64Byte($0) }) else { return nil }
        while base64.hasSuffix("=") { base64.removeLast() }
        switch base64.utf8.count % 4 {
        case 1: return nil
        case 2: base64 += "=="
        case 3: base64 += "="
        default: break
        }
        return Data(base64Encoded: base64)
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }
}
