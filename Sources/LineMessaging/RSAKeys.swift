import Crypto
import CryptoExtras
import Foundation
import LineCore

/// An RSA 2048 key pair for JWT assertions (reference §4.7): the private JWK your server keeps, and the public JWK to
/// register in the LINE Developers Console (it returns the `kid`).
///
/// ```swift
/// let pair = try AssertionKeyPair.generate()
/// print(pair.publicJWKJSON)     // paste into the console
/// let saved = pair.privateJWKJSON  // store as a secret
/// ```
public struct AssertionKeyPair: Sendable {
    /// The private key, which signs assertions: a secret.
    public let privateKey: _RSA.Signing.PrivateKey

    /// Generates a new 2048-bit key pair.
    ///
    /// - Throws: the crypto library's error when no key can be generated.
    public static func generate() throws -> AssertionKeyPair {
        AssertionKeyPair(privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    /// A key pair from its private key.
    ///
    /// - Parameter privateKey: the RSA private key that signs assertions.
    public init(privateKey: _RSA.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Reads a private JWK (`kty` RSA with `n`, `e`, `d`, `p`, `q`).
    ///
    /// - Parameter json: the JWK's JSON.
    /// - Throws: `AssertionKeyError.notAnRSAPrivateJWK` when it is not one, `AssertionKeyError.tooSmall` under 2048 bits.
    public init(privateJWK json: Data) throws {
        struct JWK: Decodable {
            var kty: String?
            var n: String?
            var e: String?
            var d: String?
            var p: String?
            var q: String?
        }
        let jwk = try JSONDecoder().decode(JWK.self, from: json)
        guard jwk.kty == "RSA", let n = jwk.n.flatMap(Base64URL.decode), let e = jwk.e.flatMap(Base64URL.decode),
            let d = jwk.d.flatMap(Base64URL.decode), let p = jwk.p.flatMap(Base64URL.decode), let q = jwk.q.flatMap(Base64URL.decode)
        else {
            throw AssertionKeyError.notAnRSAPrivateJWK
        }
        let key = try _RSA.Signing.PrivateKey(n: n, e: e, d: d, p: p, q: q)
        guard key.keySizeInBits >= 2048 else { throw AssertionKeyError.tooSmall(bits: key.keySizeInBits) }
        privateKey = key
    }

    /// The public JWK in the form LINE's console accepts: `kty`, `alg: RS256`, `use: sig`, `e`, `n`, and no `kid`.
    public var publicJWK: [String: String] {
        let primitives = try? privateKey.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "alg": "RS256", "use": "sig",
            "n": Base64URL.encode(primitives?.modulus ?? Data()), "e": Base64URL.encode(primitives?.publicExponent ?? Data()),
        ]
    }

    /// `publicJWK` as JSON, to paste into the console.
    public var publicJWKJSON: String { Self.json(publicJWK) }

    /// The private JWK (RFC 7517 with the CRT parameters), to keep as a secret.
    public var privateJWK: [String: String] {
        var jwk = publicJWK
        jwk["use"] = nil
        jwk["alg"] = "RS256"
        for (name, value) in (try? DERRSAPrivateKey(der: privateKey.derRepresentation).jwkFields) ?? [:] { jwk[name] = value }
        return jwk
    }

    /// `privateJWK` as JSON, to keep as a secret.
    public var privateJWKJSON: String { Self.json(privateJWK) }

    private static func json(_ object: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why a key could not be used for assertions.
public enum AssertionKeyError: Error, Sendable, Equatable {
    case notAnRSAPrivateJWK
    case tooSmall(bits: Int)
}

/// The integers of a PKCS #1 `RSAPrivateKey` (DER), for writing them as JWK fields.
struct DERRSAPrivateKey {
    var integers: [Data] = []

    init(der: Data) throws {
        var reader = DERReader(bytes: [UInt8](der))
        var sequence = DERReader(bytes: try reader.read(tag: 0x30))
        while !sequence.isAtEnd { integers.append(Data(try sequence.read(tag: 0x02).drop { $0 == 0 })) }
        guard integers.count >= 9 else { throw AssertionKeyError.notAnRSAPrivateJWK }
    }

    /// `d`, `p`, `q`, `dp`, `dq`, `qi` (the version, `n` and `e` come first in the DER).
    var jwkFields: [String: String] {
        let names = ["d", "p", "q", "dp", "dq", "qi"]
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Base64URL.encode(integers[$0 + 3])) })
    }
}

struct DERReader {
    var bytes: [UInt8]
    var index = 0
    var isAtEnd: Bool { index >= bytes.count }

    mutating func read(tag: UInt8) throws -> [UInt8] {
        guard index + 2 <= bytes.count, bytes[index] == tag else { throw AssertionKeyError.notAnRSAPrivateJWK }
        index += 1
        var length = Int(bytes[index])
        index += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count <= 4, index + count <= bytes.count else { throw AssertionKeyError.notAnRSAPrivateJWK }
            length = bytes[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
            index += count
        }
        guard index + length <= bytes.count else { throw AssertionKeyError.notAnRSAPrivateJWK }
        defer { index += length }
        return Array(bytes[index..<index + length])
    }
}
