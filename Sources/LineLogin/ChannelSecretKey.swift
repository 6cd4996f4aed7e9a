import Foundation
import JWTKit
import Synchronization

/// The channel secret as jwt-kit's HS256 key. jwt-kit keeps keys in an actor that is filled asynchronously, so the
/// collection is filled on first use and then shared by every verification.
final class ChannelSecretKey: Sendable {
    private let keys = JWTKeyCollection.lineKit()
    private let filled = Mutex(false)
    private let secret: String

    init(_ secret: String) {
        self.secret = secret
    }

    /// The secret's bytes, zero-padded to 32: jwt-kit asserts HS256 keys of at least 32 bytes (LINE's secrets are 32
    /// characters, but a test channel's may be shorter), and HMAC pads a short key with zeros itself (RFC 2104), so
    /// the MAC is the same.
    static func keyBytes(_ secret: String) -> [UInt8] {
        let bytes = Array(secret.utf8)
        return bytes + Array(repeating: 0, count: max(0, 32 - bytes.count))
    }

    /// The collection holding only this HS256 key.
    func collection() async -> JWTKeyCollection {
        if !filled.withLock({ $0 }) {
            // Two first callers may both add it: the second overwrites the same key.
            await keys.add(hmac: HMACKey(from: Self.keyBytes(secret)), digestAlgorithm: .sha256, parser: DefaultJWTParser.lineKit)
            filled.withLock { $0 = true }
        }
        return keys
    }
}
