import Foundation

/// ECDSA signatures are malleable: if `(r, s)` verifies, so does `(r, n − s)`, a second valid encoding of the same
/// token that nobody signed. The emulator signs and accepts only the low-S form (`s ≤ n/2`), so each ES256 token has
/// exactly one valid signature.
enum P256LowS {
    /// The order `n` of P-256, big-endian.
    static let order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]
    /// `⌊n/2⌋`, big-endian: the largest low `s`.
    static let halfOrder: [UInt8] = [
        0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8,
    ]

    /// Whether a raw `r‖s` signature (64 bytes) has `s ≤ n/2`. Any other length is not low-S.
    static func isLowS(_ signature: Data) -> Bool {
        guard signature.count == 64 else { return false }
        let s = Array(signature.suffix(32))
        return s == halfOrder || s.lexicographicallyPrecedes(halfOrder)
    }

    /// The low-S form of a raw `r‖s` signature: `s` replaced by `n − s` when it is high.
    static func normalized(_ signature: Data) -> Data {
        guard signature.count == 64, !isLowS(signature) else { return signature }
        return Data(signature.prefix(32)) + Data(subtractFromOrder(Array(signature.suffix(32))))
    }

    /// `n − s` for `0 < s < n`, big-endian.
    static func subtractFromOrder(_ s: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var difference = Int(order[index]) - Int(s[index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            result[index] = UInt8(difference)
        }
        return result
    }
}
