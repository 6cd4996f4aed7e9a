import ArgumentParser
import Foundation
import LineCore
import LineLogin
import LineMessaging

struct PKCECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkce",
        abstract: "Print a new PKCE pair (S256): the code_verifier to keep and the code_challenge to send.",
        discussion: "Example:\n  linekit pkce --length 64"
    )

    @Option(help: "Length of the verifier, 43 to 128.")
    var length = 64

    func run() throws {
        guard (43...128).contains(length) else { throw ValidationError("--length must be between 43 and 128") }
        let pair = PKCEPair.generate(length: length)
        printJSON(["code_verifier": pair.verifier, "code_challenge": pair.challenge, "code_challenge_method": "S256"])
    }
}

struct LoginURLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login-url",
        abstract: "Print a LINE Login authorization URL with fresh state, nonce and PKCE, and what the callback needs.",
        discussion: """
            Example (the emulator's seeded web channel):
              linekit login-url --emulator http://127.0.0.1:8123 --channel-id 2000000001 \\
                --redirect-uri http://127.0.0.1:8080/callback --scope profile --scope openid
            """
    )

    @OptionGroup var target: TargetOptions
    @Option(help: "The LINE Login channel ID.") var channelId: String
    @Option(help: "The registered callback URL.") var redirectUri: String
    @Option(help: "profile, openid or email (repeat for several).") var scope: [String] = ["profile", "openid"]
    @Option(help: "consent, none or login.") var prompt: String?
    @Option(help: "normal or aggressive.") var botPrompt: String?
    @Flag(help: "Leave PKCE out.") var noPkce = false

    func run() throws {
        let scopes = try scope.map { name -> Scope in
            guard let value = Scope(rawValue: name) else { throw ValidationError("unknown scope \(name): use profile, openid or email") }
            return value
        }
        var options = AuthorizationOptions(usePKCE: !noPkce)
        if let prompt {
            guard let value = Prompt(parameterValue: prompt) else { throw ValidationError("--prompt must be consent, none or login") }
            options.prompt = value
        }
        if let botPrompt {
            guard let value = BotPrompt(rawValue: botPrompt) else { throw ValidationError("--bot-prompt must be normal or aggressive") }
            options.botPrompt = value
        }
        let login = LineLoginClient(configuration: .native(channelID: channelId, api: try target.api))
        let redirect: AuthorizationRedirect
        do {
            redirect = try login.authorizationRedirect(redirectURI: redirectUri, scopes: scopes, options: options)
        } catch let error as LoginError where error.code == .invalidScopes {
            throw ValidationError("the scopes need profile or openid, and email needs openid")
        }
        print(redirect.url.absoluteString)
        var pending: [String: Any] = ["state": redirect.pending.state, "redirect_uri": redirectUri]
        if let nonce = redirect.pending.nonce { pending["nonce"] = nonce }
        if let verifier = redirect.pending.codeVerifier { pending["code_verifier"] = verifier }
        printJSON(pending)
    }
}

struct JWKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwk",
        abstract: "Assertion signing keys for v2.1 and stateless channel access tokens.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate an RSA 2048 key pair: the private JWK to keep secret and the public JWK for the console.",
            discussion: """
                Example:
                  linekit jwk generate --private-key-file assertion-key.json
                Register the printed public JWK in the LINE Developers Console (or POST it to the emulator's
                /_emulator/v1/channels/{channelId}/keys with Content-Type: application/json); it answers with the kid to sign with.
                """
        )

        @Option(help: "Write the private JWK to this file (mode 600) instead of printing it.")
        var privateKeyFile: String?

        func run() throws {
            let pair = try AssertionKeyPair.generate()
            if let privateKeyFile {
                let url = URL(fileURLWithPath: privateKeyFile)
                try Data(pair.privateJWKJSON.utf8).write(to: url, options: .atomic)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
                print("private JWK written to \(privateKeyFile)")
            } else {
                print("private JWK (keep it secret):\n\(pair.privateJWKJSON)\n")
            }
            print("public JWK (register it; no kid):\n\(pair.publicJWKJSON)")
        }
    }
}
