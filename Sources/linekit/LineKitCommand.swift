import ArgumentParser

@main
struct LineKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linekit",
        abstract: "LINE Login and the LINE Platform for server-side Swift: a local LINE Platform emulator and tools.",
        discussion: """
            Start a local LINE Platform on http://127.0.0.1:8123:

              swift run linekit emulator

            Every other command reaches LINE, or an emulator with --emulator URL (or LINEKIT_EMULATOR).
            """,
        subcommands: [
            EmulatorCommand.self, DemoCommand.self, PKCECommand.self, LoginURLCommand.self, JWKCommand.self, TokenCommand.self,
            PushCommand.self,
        ]
    )
}
