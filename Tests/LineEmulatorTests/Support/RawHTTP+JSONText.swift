import Foundation
import NIOHTTP1

extension RawHTTP {
    /// Sends `text` as an `application/json` body exactly as written: numbers like `1e400` or `5e-324` that
    /// `JSONSerialization` would not produce.
    func sendJSONText(_ method: HTTPMethod, _ path: String, _ text: String) async throws -> RawResponse {
        try await send(method, path, headers: [("Content-Type", "application/json")], body: Data(text.utf8))
    }
}
