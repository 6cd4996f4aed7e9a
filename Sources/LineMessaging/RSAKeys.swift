import CryptoExtras
import Foundation
import JWTKit
import LineCore
import SwiftASN1

/// An RSA 2048 key pair for JWT assertions (LINE's *Issue channel access token v2.1* page): the private JWK your server keeps, and the public JWK to
/// register in the LINE Developers Console (it returns the `kid`).
///
/// ```swift
/// let pair = try AssertionKeyPair.generate()
/// print(pair.publicJWKJSON)     // paste into the console
/// let saved = pair.privateJWKJSON  // store as a secret
/// ```
public struct AssertionKeyPair: Sendable {
    /// The private key, which signs assertions (a secret), as jwt-kit's RSA key.
    public let privateKey: JWTKit.Insecure.RSA.PrivateKey

    /// Generates a new 2048-bit key pair.
    ///
    /// - Throws: the crypto library's error when no key can be generated.
    public static func generate() throws -> AssertionKeyPair {
        AssertionKeyPair(privateKey: try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048)))
    }

    /// A key pair from its private key.
    ///
    /// - Parameter privateKey: the RSA private key that signs assertions.
    public init(privateKey: JWTKit.Insecure.RSA.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Reads a private JWK (`kty` RSA with `n`, `e`, `d`, `p`, `q`; the CRT values LINE's tools also write are
    /// recomputed).
    ///
    /// - Parameter json: the JWK's JSON.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/invalidAssertionKey`` when a member is missing or is
    ///   not a key, ``MessagingError/Code/assertionKeyTooSmall`` below 2048 bits.
    public init(privateJWK json: Data) throws {
        guard let jwk = try? JSONDecoder().decode(JWK.self, from: json), jwk.keyType == .rsa, let n = jwk.modulus, let e = jwk.exponent,
            let d = jwk.privateExponent, let p = jwk.prime1, let q = jwk.prime2, let modulus = Base64URL.decode(n)
        else {
            throw MessagingError.invalidAssertionKey
        }
        let bits = modulus.drop { $0 == 0 }.count * 8
        guard bits >= 2048 else { throw MessagingError.assertionKeyTooSmall(bits: bits) }
        do {
            privateKey = try JWTKit.Insecure.RSA.PrivateKey(modulus: n, exponent: e, privateExponent: d, prime1: p, prime2: q)
        } catch {
            throw MessagingError.invalidAssertionKey
        }
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
        for (name, value) in (try? PKCS1PrivateKey(derEncoded: Array(privateKey.derRepresentation)).jwkFields) ?? [:] { jwk[name] = value }
        return jwk
    }

    /// `privateJWK` as JSON, to keep as a secret.
    public var privateJWKJSON: String { Self.json(privateJWK) }

    private static func json(_ object: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The integers of a PKCS #1 `RSAPrivateKey` (RFC 8017 A.1.2), read with SwiftASN1, for writing them as JWK fields:
/// jwt-kit reads private JWKs but does not write them.
struct PKCS1PrivateKey: DERImplicitlyTaggable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    /// version, n, e, d, p, q, dp, dq, qi.
    var integers: [ArraySlice<UInt8>]

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        integers = try DER.sequence(root, identifier: identifier) { nodes in
            var integers: [ArraySlice<UInt8>] = []
            while let node = nodes.next(), integers.count < 9 { integers.append(try ArraySlice<UInt8>(derEncoded: node)) }
            return integers
        }
        guard integers.count == 9 else { throw MessagingError.invalidAssertionKey }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            for integer in integers { try coder.serialize(integer) }
        }
    }

    /// `d`, `p`, `q`, `dp`, `dq`, `qi` (the version, `n` and `e` come first).
    var jwkFields: [String: String] {
        let names = ["d", "p", "q", "dp", "dq", "qi"]
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Base64URL.encode(integers[$0 + 3].drop { $0 == 0 })) })
    }
}
