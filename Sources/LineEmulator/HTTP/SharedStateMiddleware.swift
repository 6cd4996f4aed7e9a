import Hummingbird

/// Keeps the emulator in step with the state shared by every instance on the store (PostgreSQL): the clock offset
/// and the version of the fault rules and rate-limit settings are read before each request (one statement), the
/// rules and settings reloaded when that version moved, and an advance or reset of the clock made while serving the
/// request is written back before the response leaves. The state read is the request's
/// (``SharedOperationsState/currentRequest``), so the store may answer from rows cached at that version. A store one
/// process owns shares nothing, and all of this stays in memory.
struct SharedStateMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let clock: EmulatorClock
    let store: any EmulatorStore
    let operations: SharedOperations?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let operations {
            let state = try await operations.store.operationsState()
            clock.adopt(sharedOffset: state.clockOffset)
            try await operations.synchronize(to: state.version)
            return try await SharedOperationsState.$currentRequest.withValue(state) {
                try await respond(to: request, context: context, next: next)
            }
        } else if let shared = try await store.sharedClockOffset() {
            clock.adopt(sharedOffset: shared)
        } else {
            return try await next(request, context)
        }
        return try await respond(to: request, context: context, next: next)
    }

    /// Serves the request, then writes back an advance or reset of the clock made while serving it.
    private func respond(
        to request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        if let change = clock.takePendingChange() {
            clock.adopt(sharedOffset: try await store.changeSharedClockOffset(change))
        }
        return response
    }
}
