import ArgumentParser
import Foundation
import LineCore
import LineMessaging
import LineMessagingPostgres
import Logging
import PostgresNIO

/// The shared store of a fleet's channel access tokens, as an operator reaches it.
struct FleetStoreOptions: ParsableArguments {
    @Option(help: "The PostgreSQL database the fleet shares, postgres://user:password@host:port/db (or LINEKIT_TOKEN_POSTGRES).")
    var postgres: String?
    @Option(help: "The PostgreSQL schema of the token table (default public).") var schema: String?
    @Option(help: "The fleet's sealing key: a file of 32 bytes, raw, base64 or hex.") var sealingKeyFile: String

    /// Runs `body` with the store on a running `PostgresClient`, which is stopped afterwards.
    func withStore<Result: Sendable>(
        _ body: @Sendable (PostgresChannelTokenStore, ChannelTokenSealer) async throws -> Result
    ) async throws -> Result {
        guard let url = postgres ?? ProcessInfo.processInfo.environment["LINEKIT_TOKEN_POSTGRES"], !url.isEmpty else {
            throw ValidationError("--postgres (or LINEKIT_TOKEN_POSTGRES) is required")
        }
        let sealer: ChannelTokenSealer
        do {
            sealer = try ChannelTokenSealer.keyFile(URL(fileURLWithPath: sealingKeyFile))
        } catch let error as MessagingError {
            throw error
        } catch {
            throw ValidationError("cannot read the sealing key file \(sealingKeyFile)")
        }
        let client = PostgresClient(configuration: try PostgresChannelTokenStore.clientConfiguration(url: url))
        let store = PostgresChannelTokenStore(client: client, schema: schema)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(store, sealer)
        }
    }
}

/// Runs a fleet command, turning the store's, the sealing's and LINE's errors into a message (never a token) and a
/// non-zero exit.
func reportingFleetErrors(_ body: () async throws -> Void) async throws {
    do {
        try await reportingErrors(body)
    } catch let error as MessagingError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

extension TokenCommand {
    struct Fleet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The channel access tokens a fleet of app instances shares through PostgreSQL.",
            subcommands: [Status.self, Renew.self, Revoke.self],
            defaultSubcommand: Status.self
        )
    }
}

extension TokenCommand.Fleet {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the shared tokens per channel and kind (masked), their expiry, who issued them and the issue lease.",
            discussion: """
                Example:
                  linekit token fleet status --postgres postgres://app@db:5432/app --sealing-key-file sealing.key
                """
        )
        @OptionGroup var store: FleetStoreOptions
        @Option(help: "Only this channel.") var channelId: String?

        func run() async throws {
            try await reportingFleetErrors {
                let channelID = channelId
                let slots = try await store.withStore { store, sealer in
                    try await (store.slots(channelID: channelID), sealer)
                }
                let now = Date()
                let formatter = ISO8601DateFormatter()
                var rows: [[String: Any]] = []
                for state in slots.0 {
                    var row: [String: Any] = ["channel_id": state.slot.channelID, "kind": state.slot.kind.rawValue]
                    if let shared = state.token {
                        let token = try slots.1.open(shared)
                        row["token"] = token.masked
                        row["generation"] = shared.generation
                        row["expires_at"] = formatter.string(from: shared.expiresAt)
                        row["issued_at"] = formatter.string(from: shared.issuedAt)
                        row["issued_by"] = shared.issuedBy
                        row["state"] =
                            shared.isBad ? "bad (LINE refused it; the next use reissues)" : shared.expiresAt > now ? "live" : "expired"
                    } else {
                        row["state"] = "none"
                    }
                    if let lease = state.lease {
                        row["lease"] = [
                            "owner": lease.owner, "expires_at": formatter.string(from: lease.expiresAt),
                            "state": lease.expiresAt > now ? "held (issuing)" : "lapsed (the next claim takes it over)",
                        ]
                    }
                    rows.append(row)
                }
                printJSON(["slots": rows])
            }
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the fleet's shared token now, once for the whole fleet (after rotating the channel secret, say).",
            discussion: """
                Example:
                  linekit token fleet renew --postgres postgres://app@db:5432/app --sealing-key-file sealing.key \\
                    --channel-id 2000000003 --channel-secret …
                """
        )
        @OptionGroup var fleet: FleetProviderOptions

        func run() async throws {
            try await reportingFleetErrors {
                let token = try await fleet.withProvider { try await $0.renew() }
                printJSON(["token": token.masked, "expires_at": ISO8601DateFormatter().string(from: token.expiresAt)])
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke the fleet's shared token at LINE and remove it from the store: every instance issues anew.",
            discussion: """
                Stopping an instance never revokes the shared token; this is the explicit, fleet-wide end. Example:
                  linekit token fleet revoke --postgres postgres://app@db:5432/app --sealing-key-file sealing.key \\
                    --channel-id 2000000003 --channel-secret …
                """
        )
        @OptionGroup var fleet: FleetProviderOptions

        func run() async throws {
            try await reportingFleetErrors {
                try await fleet.withProvider { try await $0.revokeSharedToken() }
                print("revoked the shared \(fleet.kind.rawValue) token of channel \(fleet.credentials.channelId)")
            }
        }
    }
}

/// A provider of the fleet, as `renew` and `revoke` act on its shared token.
struct FleetProviderOptions: ParsableArguments {
    @OptionGroup var target: TargetOptions
    @OptionGroup var store: FleetStoreOptions
    @OptionGroup var credentials: ChannelCredentials
    @Option(help: "short-lived, v2.1 or stateless.") var kind: TokenKind = .shortLived
    @Option(help: "Lifetime of a v2.1 token in days (1 to 30).") var days = 30
    @Option(help: "How long the claim to issue holds the other instances back, in seconds.") var leaseSeconds = 30

    func withProvider<Result: Sendable>(_ body: @Sendable (ChannelTokenProvider) async throws -> Result) async throws -> Result {
        let credential: ChannelTokenProvider.Credential
        switch kind {
        case .shortLived: credential = .secret(try credentials.secret)
        case .stateless: credential = .statelessSecret(try credentials.secret)
        case .v2_1:
            guard (1...30).contains(days) else { throw ValidationError("--days must be between 1 and 30") }
            guard let signer = try credentials.signer else { throw ValidationError("v2.1 tokens need --private-key-file and --kid") }
            credential = .assertion(signer, tokenLifetime: .seconds(days * 86400), channelSecret: try credentials.secret)
        }
        let client = ChannelAccessTokenClient(api: try target.api)
        let channelID = credentials.channelId
        let lease = Duration.seconds(leaseSeconds)
        return try await store.withStore { store, sealer in
            try await store.prepare()
            return try await body(
                ChannelTokenProvider(
                    channelID: channelID,
                    credential: credential,
                    client: client,
                    store: store,
                    sealer: sealer,
                    lease: lease
                )
            )
        }
    }
}
