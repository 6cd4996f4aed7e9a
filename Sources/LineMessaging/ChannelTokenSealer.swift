import Crypto
import Foundation

/// Seals channel access tokens for a shared store with AES-GCM and a key the app supplies, binding each to its channel
/// and kind (as authenticated data): a sealed token moved to another slot, altered, or opened with another key fails
/// to open with ``MessagingError`` (``MessagingError/Code/sealedTokenUnreadable``), never as garbage.
///
/// Every process of a fleet must use the same key (for example 32 random bytes from a secret manager).
public struct ChannelTokenSealer: Sendable {
    private let key: SymmetricKey

    /// - Parameter key: 128, 192 or 256 bits.
    public init(key: SymmetricKey) {
        self.key = key
    }

    /// A key made at random once per process: enough for the in-memory store, which no other process reads.
    public static let processLocal = ChannelTokenSealer(key: SymmetricKey(size: .bits256))

    /// Reads a key file: 32 raw bytes, or their base64 or hex spelling (whitespace around it ignored).
    ///
    /// - Parameter url: the key file.
    /// - Throws: the file system's error when it cannot be read; ``MessagingError`` with
    ///   ``MessagingError/Code/invalidSealingKey`` when it holds no key of 128, 192 or 256 bits.
    public static func keyFile(_ url: URL) throws -> ChannelTokenSealer {
        let data = try Data(contentsOf: url)
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, let bytes = Self.hexBytes(text) { return ChannelTokenSealer(key: SymmetricKey(data: bytes)) }
        if let bytes = Data(base64Encoded: text), bytes.count == 32 { return ChannelTokenSealer(key: SymmetricKey(data: bytes)) }
        guard data.count == 32 else { throw MessagingError.invalidSealingKey }
        return ChannelTokenSealer(key: SymmetricKey(data: data))
    }

    /// The token sealed for `token.channelID` and `token.kind`.
    ///
    /// - Parameter token: the token to seal.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/invalidSealingKey`` when sealing fails.
    public func seal(_ token: ChannelAccessToken) throws -> SealedChannelToken {
        guard [16, 24, 32].contains(key.bitCount / 8) else { throw MessagingError.invalidSealingKey }
        let box = try AES.GCM.seal(Data(token.accessToken.utf8), using: key, authenticating: Self.context(token.slot))
        guard let combined = box.combined else { throw MessagingError.invalidSealingKey }
        return SealedChannelToken(sealedToken: combined, expiresAt: token.expiresAt, keyID: token.keyID)
    }

    /// The token a store holds, opened; a wrong key or altered data throws ``MessagingError/Code/sealedTokenUnreadable``.
    ///
    /// - Parameter shared: the token as the store holds it.
    /// - Throws: ``MessagingError`` with ``MessagingError/Code/sealedTokenUnreadable`` for a wrong key or altered data.
    public func open(_ shared: SharedChannelToken) throws -> ChannelAccessToken {
        let plain: Data
        do {
            plain = try AES.GCM.open(AES.GCM.SealedBox(combined: shared.sealedToken), using: key, authenticating: Self.context(shared.slot))
        } catch {
            throw MessagingError.sealedTokenUnreadable(shared.slot)
        }
        return ChannelAccessToken(
            accessToken: String(decoding: plain, as: UTF8.self),
            kind: shared.slot.kind,
            channelID: shared.slot.channelID,
            expiresAt: shared.expiresAt,
            keyID: shared.keyID
        )
    }

    private static func context(_ slot: ChannelTokenSlot) -> Data {
        Data("linekit.channel-token.v1\u{0}\(slot.channelID)\u{0}\(slot.kind.rawValue)".utf8)
    }

    private static func hexBytes(_ text: String) -> Data? {
        var bytes = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension ChannelAccessToken: CustomStringConvertible, CustomDebugStringConvertible {
    /// The token shortened for logs and screens: its first and last four characters (`abcd…wxyz`), or `…` when short.
    public var masked: String { Self.mask(accessToken) }

    /// `masked`, for logs and screens.
    ///
    /// - Parameter accessToken: the token to shorten.
    public static func mask(_ accessToken: String) -> String {
        accessToken.count < 16 ? "…" : "\(accessToken.prefix(4))…\(accessToken.suffix(4))"
    }

    var slot: ChannelTokenSlot { ChannelTokenSlot(channelID: channelID, kind: kind) }

    /// Masked: printing a token (or an error or value holding one) never shows it in full.
    public var description: String { "ChannelAccessToken(\(kind.rawValue), channel \(channelID), \(masked), expires \(expiresAt))" }
    /// The same as `description`: masked.
    public var debugDescription: String { description }
}
