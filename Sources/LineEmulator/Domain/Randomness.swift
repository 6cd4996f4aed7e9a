import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Identifiers and secrets from the kernel's CSPRNG, drawn from a pool refilled 4 KiB at a time: one system call per
/// 8 bytes (what `SystemRandomNumberGenerator` and `SymmetricKey(size:)` make) showed up in profiles of every
/// request that issues a token or a message ID. Each pooled byte is handed out once.
enum Randomness {
    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var next = 4096
    }

    private static let pool = Mutex(Pool())

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
        var output = [UInt8]()
        output.reserveCapacity(count)
        pool.withLock { pool in
            while output.count < count {
                if pool.next == pool.bytes.count {
                    fill(&pool.bytes)
                    pool.next = 0
                }
                let take = min(count - output.count, pool.bytes.count - pool.next)
                output.append(contentsOf: pool.bytes[pool.next..<pool.next + take])
                // Used bytes are overwritten so they never stay in memory.
                for index in pool.next..<pool.next + take { pool.bytes[index] = 0 }
                pool.next += take
            }
        }
        return output
    }

    /// Fills `buffer` from the kernel: glibc's `arc4random_buf` is one `getrandom` call per buffer.
    private static func fill(_ buffer: inout [UInt8]) {
        buffer.withUnsafeMutableBytes { raw in
            #if canImport(Glibc)
                arc4random_buf(raw.baseAddress!, raw.count)
            #else
                var generator = SystemRandomNumberGenerator()
                for index in raw.indices { raw[index] = UInt8.random(in: .min ... .max, using: &generator) }
            #endif
        }
    }

    /// A generator drawing from the pool, for `random(in:using:)`.
    struct Generator: RandomNumberGenerator {
        mutating func next() -> UInt64 {
            Randomness.bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// A LINE request ID: 16 lowercase hexadecimal digits.
    static func requestID() -> String {
        hex(bytes: 8)
    }
}
