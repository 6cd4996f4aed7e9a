import Foundation
import LineEmulator
import LineEmulatorTesting
import Logging
import Testing

@Suite("TestEmulator")
struct TestEmulatorTests {
    @Test("serving on a port in use throws the server's error at once instead of waiting for a port", .timeLimit(.minutes(1)))
    func portInUse() async throws {
        try await TestEmulator.run { running in
            var logger = Logger(label: "linekit.test-emulator")
            logger.logLevel = .critical
            let second = try await Emulator(
                configuration: .init(host: "127.0.0.1", port: running.port, storage: .inMemory, logger: logger)
            )
            let error = await #expect(throws: (any Error).self) {
                try await TestEmulator.serve(second) { _ in Issue.record("served on a port that was in use") }
            }
            #expect(!(error is TestEmulatorError), "the bind error itself, not \(String(describing: error))")
        }
    }
}
