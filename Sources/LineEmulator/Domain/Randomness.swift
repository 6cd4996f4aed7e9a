import Crypto

/// Identifiers and secrets from a CSPRNG: BoringSSL's, seeded by the kernel (one system call per value was the
/// second cost in profiles of token issuance).
enum Randomness {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// `count` random characters from `[A-Za-z0-9]`, without modulo bias.
    static func alphanumeric(_ count: Int) -> String {
        var output = [UInt8]()
        output.reserveCapacity(count)
        while output.count < count {
            for byte in bytes(count + count / 2) where byte < 248 && output.count < count {
                output.append(alphanumerics[Int(byte % 62)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `byteCount` random bytes as lowercase hexadecimal.
    static func hex(bytes byteCount: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output = [UInt8]()
        output.reserveCapacity(byteCount * 2)
        for byte in bytes(byteCount) {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 15)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }

    /// A LINE request ID: 16 lowercase hexadecimal digits.
    static func requestID() -> String {
        hex(bytes: 8)
    }
}
