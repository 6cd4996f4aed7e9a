import Foundation

/// Fault rules: errors, latency and dropped connections LINE cannot be asked for.
extension AdminService {
    func faultRules() async throws -> [FaultInjector.Rule] {
        faults.all
    }

    /// Adds a rule after checking it (``FaultInjector/Rule``'s bounds); an ID is assigned when it has none.
    func addFault(_ rule: FaultInjector.Rule) async throws -> FaultInjector.Rule {
        try await faults.add(rule)
    }

    func removeFault(id: String) async throws {
        guard try await faults.remove(id: id) else { throw AdminError.notFound("no such fault rule") }
    }

    func removeAllFaults() async throws {
        try await faults.removeAll()
    }
}
