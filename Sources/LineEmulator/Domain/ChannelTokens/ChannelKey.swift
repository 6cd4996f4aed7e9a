import CryptoExtras
import Foundation
import LineCore

/// A public key registered on a channel to verify JWT assertions (LINE console: "Assertion signing key").
package struct ChannelKey: Sendable, Equatable {
    package var keyID: String
    package var channelID: String
    /// The RSA modulus and exponent, big-endian.
    package var modulus: Data
    package var exponent: Data
    package var createdAt: Date

    package init(keyID: String, channelID: String, modulus: Data, exponent: Data, createdAt: Date) {
        self.keyID = keyID
        self.channelID = channelID
        self.modulus = modulus
        self.exponent = exponent
        self.createdAt = createdAt
    }

    func publicKey() throws -> _RSA.Signing.PublicKey {
        try _RSA.Signing.PublicKey(n: modulus, e: exponent)
    }

    /// Validates a public JWK as LINE's console does: RSA, RS256, 2048 bits, `use: sig` or `key_ops: ["verify"]`,
    /// and no `kid` (the console assigns it). Returns the modulus and exponent.
    static func validate(jwk: [String: Any]) throws(PlatformError) -> (modulus: Data, exponent: Data) {
        func reject(_ reason: String) -> PlatformError { .message(400, "Invalid public key: \(reason)") }
        guard jwk["kid"] == nil else { throw reject("it must not contain kid (the emulator assigns one)") }
        guard jwk["kty"] as? String == "RSA" else { throw reject("kty must be RSA") }
        guard jwk["alg"] as? String == "RS256" else { throw reject("alg must be RS256") }
        let usesSig = jwk["use"] as? String == "sig"
        let verifies = (jwk["key_ops"] as? [String]) == ["verify"]
        guard usesSig || verifies else { throw reject("it needs use: sig or key_ops: [\"verify\"]") }
        guard jwk["d"] == nil, jwk["p"] == nil, jwk["q"] == nil else { throw reject("it is a private key; register the public key") }
        guard let n = (jwk["n"] as? String).flatMap(Base64URL.decode), let e = (jwk["e"] as? String).flatMap(Base64URL.decode),
            !e.isEmpty
        else {
            throw reject("n and e must be base64url")
        }
        let modulus = n.drop { $0 == 0 }
        // Exactly 2,048 bits (the top bit set), and no small factor, as a product of two 1,024-bit primes: 2^2047 or
        // 2^2047 + 1 are not keys, whatever the RSA library lets through.
        guard modulus.count == 256, let top = modulus.first, top >= 0x80 else { throw reject("the key must be RSA 2048 bits") }
        guard !Self.hasSmallFactor(modulus) else {
            throw reject("n has a small factor, so it is not an RSA modulus")
        }
        let exponent = e.drop { $0 == 0 }
        guard exponent.count <= 4, let low = exponent.last, low & 1 == 1, exponent.count > 1 || low >= 3 else {
            throw reject("the exponent e must be odd, at least 3 and below 2^32 (65537, AQAB, as a rule)")
        }
        do {
            _ = try _RSA.Signing.PublicKey(n: Data(modulus), e: e)
        } catch {
            throw reject("n and e do not form an RSA public key")
        }
        return (Data(modulus), e)
    }

    /// The odd primes below 1,000: a product of two 1,024-bit primes has none of them as a factor.
    static let smallPrimes: [UInt32] = {
        var primes: [UInt32] = []
        for candidate in UInt32(3)..<1000 where candidate % 2 == 1 {
            if !primes.contains(where: { candidate % $0 == 0 }) { primes.append(candidate) }
        }
        return primes
    }()

    /// Whether the big-endian number `n` is divisible by 2 or by one of ``smallPrimes``.
    static func hasSmallFactor(_ n: some BidirectionalCollection<UInt8>) -> Bool {
        guard let last = n.last, last & 1 == 1 else { return true }
        return smallPrimes.contains { prime in
            n.reduce(UInt32(0)) { remainder, byte in (remainder << 8 | UInt32(byte)) % prime } == 0
        }
    }
}
