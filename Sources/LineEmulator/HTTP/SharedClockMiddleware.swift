import Hummingbird

/// Keeps the emulator's clock in step with the offset shared by every instance on the store (PostgreSQL): the shared
/// offset is taken before each request, and an advance or reset made while serving it is written back before the
/// response leaves. A store one process owns shares nothing, and the clock stays as it is.
struct SharedClockMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let clock: EmulatorClock
    let store: any EmulatorStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let shared = try await store.sharedClockOffset() else { return try await next(request, context) }
        clock.adopt(sharedOffset: shared)
        let response = try await next(request, context)
        if let change = clock.takePendingChange() {
            clock.adopt(sharedOffset: try await store.changeSharedClockOffset(change))
        }
        return response
    }
}
