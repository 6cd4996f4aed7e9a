import ArgumentParser
import Foundation
import LineCore
import LineMessaging

enum TokenKind: String, ExpressibleByArgument, CaseIterable {
    case shortLived = "short-lived"
    case v2_1 = "v2.1"
    case stateless
}

struct ChannelCredentials: ParsableArguments {
    @Option(help: "The channel ID.") var channelId: String
    @Option(help: "The channel secret (or set LINE_CHANNEL_SECRET).") var channelSecret: String?
    @Option(help: "A private JWK file, for v2.1 and JWT stateless tokens.") var privateKeyFile: String?
    @Option(help: "The kid of the registered public key.") var kid: String?

    var secret: String {
        get throws {
            guard let secret = channelSecret ?? ProcessInfo.processInfo.environment["LINE_CHANNEL_SECRET"] else {
                throw ValidationError("--channel-secret (or LINE_CHANNEL_SECRET) is required")
            }
            return secret
        }
    }

    var signer: JWTAssertionSigner? {
        get throws {
            guard let privateKeyFile else { return nil }
            guard let kid else { throw ValidationError("--kid is required with --private-key-file") }
            let keys = try AssertionKeyPair(privateJWK: try Data(contentsOf: URL(fileURLWithPath: privateKeyFile)))
            return JWTAssertionSigner(channelID: channelId, keyID: kid, keys: keys)
        }
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, verify and revoke channel access tokens of every kind.",
        subcommands: [Issue.self, Verify.self, Revoke.self, Fleet.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a channel access token.",
            discussion: """
                Examples:
                  linekit token issue --kind short-lived --channel-id 2000000003 --channel-secret … --emulator http://127.0.0.1:8123
                  linekit token issue --kind v2.1 --channel-id 1234567890 --private-key-file key.json --kid … --days 7
                """
        )
        @OptionGroup var target: TargetOptions
        @OptionGroup var credentials: ChannelCredentials
        @Option(help: "short-lived, v2.1 or stateless.") var kind: TokenKind = .shortLived
        @Option(help: "Lifetime of a v2.1 token in days (1 to 30).") var days = 30

        func run() async throws {
            try await reportingErrors {
                let client = ChannelAccessTokenClient(api: try target.api)
                let issued: LineResponse<ChannelAccessToken>
                switch kind {
                case .shortLived:
                    issued = try await client.issueShortLived(channelID: credentials.channelId, channelSecret: try credentials.secret)
                case .v2_1:
                    guard (1...30).contains(days) else { throw ValidationError("--days must be between 1 and 30") }
                    guard let signer = try credentials.signer else {
                        throw ValidationError("v2.1 tokens need --private-key-file and --kid")
                    }
                    issued = try await client.issue(
                        assertion: try signer.assertion(tokenLifetime: .seconds(days * 86400)),
                        channelID: credentials.channelId
                    )
                case .stateless:
                    if let signer = try credentials.signer {
                        issued = try await client.issueStateless(assertion: try signer.assertion(), channelID: credentials.channelId)
                    } else {
                        issued = try await client.issueStateless(channelID: credentials.channelId, channelSecret: try credentials.secret)
                    }
                }
                var output: [String: Any] = [
                    "access_token": issued.value.accessToken, "expires_at": ISO8601DateFormatter().string(from: issued.value.expiresAt),
                    "x-line-request-id": issued.requestID ?? "",
                ]
                if let keyID = issued.value.keyID { output["key_id"] = keyID }
                printJSON(output)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a channel access token.",
            discussion: "Example:\n  linekit token verify --kind short-lived eyJhbGciOiJIUzI1NiJ9…"
        )
        @OptionGroup var target: TargetOptions
        @Option(help: "short-lived or v2.1 (stateless tokens cannot be verified).") var kind: TokenKind = .shortLived
        @Argument(help: "The channel access token.") var token: String

        func run() async throws {
            try await reportingErrors {
                let client = ChannelAccessTokenClient(api: try target.api)
                let verified = kind == .v2_1 ? try await client.verify(token) : try await client.verifyShortLived(token)
                printJSON([
                    "client_id": verified.value.clientID ?? "", "expires_in": verified.value.expiresIn,
                    "x-line-request-id": verified.requestID ?? "",
                ])
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a channel access token (v2.1 tokens need the channel ID and secret).",
            discussion: "Example:\n  linekit token revoke --kind v2.1 --channel-id 1234567890 --channel-secret … eyJ…"
        )
        @OptionGroup var target: TargetOptions
        @Option(help: "short-lived or v2.1.") var kind: TokenKind = .shortLived
        @Option(help: "The channel ID (v2.1).") var channelId: String?
        @Option(help: "The channel secret (v2.1; or set LINE_CHANNEL_SECRET).") var channelSecret: String?
        @Argument(help: "The channel access token.") var token: String

        func run() async throws {
            try await reportingErrors {
                let client = ChannelAccessTokenClient(api: try target.api)
                let response: LineResponse<Void>
                switch kind {
                case .v2_1:
                    guard let channelId, let secret = channelSecret ?? ProcessInfo.processInfo.environment["LINE_CHANNEL_SECRET"] else {
                        throw ValidationError("v2.1 tokens are revoked with --channel-id and --channel-secret")
                    }
                    response = try await client.revoke(token, channelID: channelId, channelSecret: secret)
                case .shortLived:
                    response = try await client.revokeShortLived(token)
                case .stateless:
                    throw ValidationError("stateless tokens cannot be revoked; they expire after 15 minutes")
                }
                print("revoked (x-line-request-id \(response.requestID ?? "none"))")
            }
        }
    }
}

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push a text message, with a retry key (a stateless channel access token is issued for it).",
        discussion: """
            Example (the emulator's seeded bot and user):
              linekit push --emulator http://127.0.0.1:8123 --channel-id 2000000003 \\
                --channel-secret a1b2c3d4e5f60718293a4b5c6d7e8f90 --to U1f2a3b4c5d6e7f8091a2b3c4d5e6f701 --text "Hello"
            """
    )
    @OptionGroup var target: TargetOptions
    @OptionGroup var credentials: ChannelCredentials
    @Option(help: "A user, group or room ID.") var to: String
    @Option(help: "The text (at most 5,000 UTF-16 code units).") var text: String
    @Option(help: "Reuse a retry key to retry a send safely.") var retryKey: String?

    func run() async throws {
        try await reportingErrors {
            let api = try target.api
            let provider = ChannelTokenProvider(
                channelID: credentials.channelId,
                credential: .statelessSecret(try credentials.secret),
                client: ChannelAccessTokenClient(api: api)
            )
            let key =
                try retryKey.map { value -> UUID in
                    guard let uuid = UUID(uuidString: value) else { throw ValidationError("--retry-key must be a UUID") }
                    return uuid
                } ?? UUID()
            let message: Message
            do {
                message = try .text(text)
            } catch let error as MessagingError where error.code == .textTooLong {
                throw ValidationError(error.message)
            }
            let result = try await MessagingClient(api: api, tokens: provider).push(to: to, messages: [message], retryKey: key)
            printJSON([
                "sentMessages": result.sentMessages.map { ["id": $0.id, "quoteToken": $0.quoteToken ?? ""] },
                "retryKey": result.retryKey.uuidString.lowercased(), "alreadyAccepted": result.wasAlreadyAccepted,
                "x-line-request-id": result.acceptedRequestID ?? "",
            ])
        }
    }
}
