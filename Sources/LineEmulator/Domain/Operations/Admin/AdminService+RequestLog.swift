import Foundation

/// The log of requests the emulator answered.
extension AdminService {
    /// How many entries the log keeps.
    var requestLogCapacity: Int { requestLog.capacity }

    /// Entries, newest first, matching the filters (`method` exact, `path` substring, `status` exact); `limit` from
    /// 1 to the log's capacity.
    func requests(method: String?, path: String?, status: Int?, limit: Int) async throws -> [RequestLog.Entry] {
        guard (1...requestLog.capacity).contains(limit) else {
            throw AdminError.invalid("limit must be between 1 and \(requestLog.capacity)")
        }
        return try await requestLog.entries(method: method, path: path, status: status, limit: limit)
    }
}
