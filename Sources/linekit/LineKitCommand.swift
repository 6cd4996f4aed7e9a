import ArgumentParser

@main
struct LineKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linekit",
        abstract: "LINE Login and the LINE Platform for server-side Swift: a local LINE Platform emulator and tools.",
        discussion: """
            Start a local LINE Platform (LINE Login v2.1 and v2.0) on http://127.0.0.1:8123:

              swift run linekit emulator
            """,
        subcommands: [EmulatorCommand.self]
    )
}
