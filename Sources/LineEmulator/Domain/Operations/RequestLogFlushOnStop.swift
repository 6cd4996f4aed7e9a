import ServiceLifecycle

/// Writes the request log's last entries to the shared log when the emulator stops gracefully. The application stops
/// its server first and this service after it, so every request answered is in the log before the process ends (or a
/// test drops the database under it).
struct RequestLogFlushOnStop: Service {
    let log: RequestLog

    func run() async throws {
        // Cancelled rather than stopped gracefully: nothing to wait for.
        guard (try? await gracefulShutdown()) != nil else { return }
        await log.flush()
    }
}
