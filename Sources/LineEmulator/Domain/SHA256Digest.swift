import Crypto
import Foundation

enum SHA256Digest {
    static func of(_ data: Data) -> Data { Data(SHA256.hash(data: data)) }
}
