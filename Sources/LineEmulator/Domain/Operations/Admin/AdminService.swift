import Foundation

/// Everything the emulator's operators can see and do, for both of its surfaces: the admin API
/// (`/_emulator/v1`, JSON) and the console (`/_emulator/console`, HTML). Both call the same method for the same action,
/// so they cannot drift apart: the same checks, the same store writes, the same platform-wide state.
///
/// Grouped by area, one file each (`AdminService+Users.swift`, `+Clock.swift`, …). A refusal is an ``AdminError``;
/// each surface shows it in its own shape. The service knows no HTTP: routes only translate requests and answers.
struct AdminService: Sendable {
    let store: any EmulatorStore
    let clock: EmulatorClock
    /// The channels and users a reset brings back.
    let seed: Seed
    let channelTokens: ChannelTokenService
    let rateLimiter: RateLimiter
    let requestLog: RequestLog
    let faults: FaultInjector
    /// Sends `follow`/`unfollow` when a friendship changes, and the events of what users do in a chat.
    let webhooks: WebhookService
}
