import ServiceLifecycle

/// What an emulator does once its server has stopped. The application stops its server first and this service after
/// it, so every request has been answered when this service:
/// 1. writes the request log's last entries to the shared log (PostgreSQL), so every request answered is in it before
///    the process ends or a test drops the database under it; with the database away, it waits at most ``flushLimit``;
/// 2. closes the store, so the SQLite file is free for another emulator as soon as the application has stopped, and
///    the PostgreSQL connections are closed.
///
/// Cancelled instead of stopped gracefully, it skips the log and only closes the store.
struct EmulatorShutdown: Service {
    let log: RequestLog
    let store: any EmulatorStore
    /// How long a stop waits for the log's write: with the database away, the entries are given up rather than the stop
    /// held.
    static let flushLimit: Duration = .seconds(5)

    func run() async throws {
        if (try? await gracefulShutdown()) != nil {
            await flushLog()
        }
        await store.close()
    }

    private func flushLog() async {
        let (written, finish) = AsyncStream<Void>.makeStream()
        Task { [log] in
            await log.flush()
            finish.finish()
        }
        Task {
            try? await Task.sleep(for: Self.flushLimit)
            finish.finish()
        }
        for await _ in written {}
    }
}
