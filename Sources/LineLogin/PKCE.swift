import Crypto
import Foundation
import LineCore

/// A PKCE pair (RFC 7636) with the S256 method, the only one LINE supports.
public struct PKCEPair: Sendable, Codable, Equatable {
    /// 43–128 characters of `[A-Za-z0-9-._~]`; kept by the app until the token request.
    public let verifier: String
    /// base64url(SHA-256(verifier)), sent in the authorization URL.
    public let challenge: String

    /// A new pair with a 64-character verifier drawn from a CSPRNG.
    public static func generate(length: Int = 64) -> PKCEPair {
        let length = min(max(length, 43), 128)
        // 66 unreserved characters would bias a byte modulo; use the 64 of base64url, a subset of the allowed set.
        let bytes = SymmetricKey(size: SymmetricKeySize(bitCount: (length * 6 + 7) / 8 * 8 + 8)).withUnsafeBytes { Data($0) }
        return PKCEPair(unchecked: String(Base64URL.encode(bytes).prefix(length)))
    }

    private init(unchecked verifier: String) {
        self.verifier = verifier
        challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    /// The pair for a given verifier; throws when it breaks RFC 7636's rules.
    ///
    /// - Throws: ``LoginError`` with code ``LoginError/Code/invalidCodeVerifier`` unless the verifier has 43 to 128
    ///   characters, all unreserved (`A-Z a-z 0-9 - . _ ~`).
    public init(verifier: String) throws {
        guard (43...128).contains(verifier.utf8.count), verifier.utf8.allSatisfy(Self.isUnreserved) else {
            throw LoginError.invalidCodeVerifier
        }
        self.verifier = verifier
        challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

/// Random URL-safe strings for `state` and `nonce`.
enum RandomToken {
    static func make(bytes: Int = 24) -> String {
        Base64URL.encode(Data(SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { Array($0) }))
    }
}
