import ServiceLifecycle

/// Writes the request log's last entries to the shared log when the emulator stops gracefully. The application stops
/// its server first and this service after it, so every request answered is in the log before the process ends (or a
/// test drops the database under it).
struct RequestLogFlushOnStop: Service {
    let log: RequestLog
    /// How long a stop waits for the write: with the database away, the entries are given up rather than the stop held.
    static let limit: Duration = .seconds(5)

    func run() async throws {
        // Cancelled rather than stopped gracefully: nothing to wait for.
        guard (try? await gracefulShutdown()) != nil else { return }
        let (written, finish) = AsyncStream<Void>.makeStream()
        Task {
            await log.flush()
            finish.finish()
        }
        Task {
            try? await Task.sleep(for: Self.limit)
            finish.finish()
        }
        for await _ in written {}
    }
}
