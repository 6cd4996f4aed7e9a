import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Builds a local LINE Platform: `access.line.me` and `api.line.me` on one port.
///
/// ```swift
/// let emulator = try await Emulator(configuration: .init(storage: .inMemory))
/// try await emulator.application().runService()
/// ```
public struct Emulator: Sendable {
    /// How the emulator runs. Every property has a working default.
    public struct Configuration: Sendable {
        /// The address to listen on. Default `127.0.0.1`.
        public var host: String
        /// The port to listen on; `0` picks a free one. Default `8123`.
        public var port: Int
        /// Where state is kept (``Storage``). Default: the SQLite file `./.linekit/emulator.sqlite`.
        public var storage: Storage
        /// The channels and users present at first start and after a reset. Default: `Seed.default`.
        public var seed: Seed
        /// The `iss` claim of ID tokens and the discovery document's issuer. Default `https://access.line.me`.
        public var issuer: String
        /// The base URL advertised in the discovery document. By default, the `Host` the client used when it is one the
        /// emulator serves (`localhost`, an IP address, `host`), else the address the client connected to: the
        /// document never repeats an arbitrary `Host`.
        public var publicBaseURL: String?
        /// Whether the admin API answers clients that are not on loopback. Default `false`.
        public var allowRemoteAdmin: Bool
        /// The emulator's clock, shared with tests that advance it. Default: the system time.
        public var clock: EmulatorClock
        /// Requests per second per channel for the rate-limited endpoints. Default: LINE's published limits.
        public var rateLimits: [RateLimiter.Endpoint: Double]
        /// Open connections at most, and how long idle or slow clients are kept. Default: `ConnectionLimits()`.
        public var connectionLimits: ConnectionLimits
        /// How long a webhook receiver has to answer before the delivery is recorded as timed out. Default 10 s.
        public var webhookTimeout: Duration
        /// Where the emulator logs (requests, seeding, storage). Default: label `linekit.emulator`.
        public var logger: Logger

        /// A configuration; every argument has the default documented on its property.
        public init(
            host: String = "127.0.0.1",
            port: Int = 8123,
            storage: Storage = .sqlite(path: ".linekit/emulator.sqlite"),
            seed: Seed = .default,
            issuer: String = "https://access.line.me",
            publicBaseURL: String? = nil,
            allowRemoteAdmin: Bool = false,
            clock: EmulatorClock = EmulatorClock(),
            rateLimits: [RateLimiter.Endpoint: Double] = RateLimiter.lineDefaults,
            connectionLimits: ConnectionLimits = ConnectionLimits(),
            webhookTimeout: Duration = .seconds(10),
            logger: Logger = Logger(label: "linekit.emulator")
        ) {
            self.host = host
            self.port = port
            self.storage = storage
            self.seed = seed
            self.issuer = issuer
            self.publicBaseURL = publicBaseURL
            self.allowRemoteAdmin = allowRemoteAdmin
            self.clock = clock
            self.rateLimits = rateLimits
            self.connectionLimits = connectionLimits
            self.webhookTimeout = webhookTimeout
            self.logger = logger
        }
    }

    /// The configuration the emulator was made with.
    public let configuration: Configuration
    let store: any EmulatorStore
    let keys: SigningKeys
    let pages: PageRenderer
    /// The token buckets; change rates at run time with `rateLimiter.setRate(_:for:)` or `PUT /_emulator/v1/rate-limits`.
    public let rateLimiter: RateLimiter
    /// The bounded log of requests answered (the console's Requests page).
    public let requestLog: RequestLog
    /// The fault rules in force (the console's Faults page, `/_emulator/v1/faults`).
    public let faults: FaultInjector
    /// The queue and worker that POST webhooks off the request path.
    let webhookDeliverer: WebhookDeliverer
    /// Keeps `faults` and `rateLimiter` in step with the other instances on a shared store; `nil` for SQLite.
    let sharedOperations: SharedOperations?

    /// Opens the store, applies the seed (adding what is missing) and loads the emulator's keys.
    ///
    /// - Throws: when the store cannot be opened or migrated (an unreadable or locked SQLite file, an unreachable
    ///   PostgreSQL server), or the seed or the emulator's keys cannot be written or read.
    public init(configuration: Configuration = .init()) async throws {
        self.configuration = configuration
        store = try await configuration.storage.makeStore(logger: configuration.logger)
        try await store.seed(configuration.seed)
        keys = try await SigningKeys.load(from: store)
        pages = try await PageRenderer()
        let shared = store.sharedOperations
        let rateLimiter = RateLimiter(rates: configuration.rateLimits, shared: shared)
        let faults = FaultInjector(shared: shared)
        self.rateLimiter = rateLimiter
        self.faults = faults
        requestLog = RequestLog(shared: shared)
        sharedOperations = shared.map { SharedOperations(store: $0, faults: faults, rateLimiter: rateLimiter) }
        webhookDeliverer = WebhookDeliverer(
            store: store,
            sender: WebhookHTTPSender(),
            timeout: configuration.webhookTimeout,
            logger: configuration.logger
        )
    }

    /// The channels and users the emulator has now (what `linekit emulator` prints at start).
    ///
    /// - Throws: when the store cannot be read.
    public func snapshot() async throws -> (channels: [Channel], users: [User]) {
        (try await store.channels(), try await store.users())
    }

    /// The router with every LINE and admin route.
    public func router() -> Router<EmulatorRequestContext> {
        let webhooks = WebhookService(store: store, clock: configuration.clock, deliverer: webhookDeliverer)
        let login = LoginService(store: store, clock: configuration.clock, keys: keys, issuer: configuration.issuer, webhooks: webhooks)
        let router = Router(context: EmulatorRequestContext.self)
        let channelTokens = ChannelTokenService(store: store, clock: configuration.clock, login: login, rateLimiter: rateLimiter)
        let push = PushService(store: store, clock: configuration.clock, channelTokens: channelTokens, rateLimiter: rateLimiter)
        let hosts = ServedHosts(boundHost: configuration.host, publicBaseURL: configuration.publicBaseURL)
        let access = AdminAccess(allowRemote: configuration.allowRemoteAdmin, hosts: hosts, publicBaseURL: configuration.publicBaseURL)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestLogMiddleware(log: requestLog))
        router.add(middleware: PlatformResponseMiddleware(pages: pages))
        router.add(middleware: HostHeaderMiddleware())
        // Inside the responder, so a store that cannot be reached answers LINE's 500 rather than a bare one.
        router.add(middleware: SharedStateMiddleware(clock: configuration.clock, store: store, operations: sharedOperations))
        router.add(middleware: FaultMiddleware(faults: faults, channelTokens: channelTokens, store: store))
        router.add(middleware: RetryKeyMiddleware())
        var routes = RouteTable()
        LoginPageRoutes(login: login, pages: pages).register(on: &routes)
        OAuthRoutes(login: login, channelTokens: channelTokens, configuredBaseURL: configuration.publicBaseURL, hosts: hosts)
            .register(on: &routes)
        UserAPIRoutes(login: login, channelTokens: channelTokens).register(on: &routes)
        MessagingRoutes(push: push).register(on: &routes)
        AudienceMessagingRoutes(
            channelTokens: channelTokens,
            sends: AudienceSendService(store: store, clock: configuration.clock, rateLimiter: rateLimiter)
        ).register(on: &routes)
        WebhookRoutes(
            webhooks: webhooks,
            reply: ReplyService(store: store, clock: configuration.clock),
            channelTokens: channelTokens
        ).register(on: &routes)
        let admin = AdminService(
            store: store,
            clock: configuration.clock,
            seed: configuration.seed,
            channelTokens: channelTokens,
            rateLimiter: rateLimiter,
            requestLog: requestLog,
            faults: faults,
            webhooks: webhooks
        )
        AdminRoutes(admin: admin, access: access).register(on: &routes)
        ConsoleRoutes(admin: admin, keys: keys, pages: pages, access: access).register(on: &routes)
        routes.register(on: router)
        return router
    }

    /// The Hummingbird application serving the emulator: run it once. When it stops, after its server has answered its
    /// last request, it writes the request log's last entries to the shared log (PostgreSQL) and closes the store, so
    /// the SQLite file is free for another emulator as soon as the application's `run()` returns.
    ///
    /// - Parameter onServerRunning: called once the socket is bound, with the port (useful with port `0`).
    public func application(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let limits = configuration.connectionLimits
        let logger = configuration.logger
        return Application(
            router: router(),
            server: HTTPServerBuilder { responder in LimitedHTTP1Channel(responder: responder, limits: limits, logger: logger) },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [EmulatorShutdown(log: requestLog, store: store)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: configuration.logger
        )
    }
}
