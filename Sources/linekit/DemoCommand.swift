import ArgumentParser
import Foundation
import Hummingbird
import LineCore
import LineEmulator
import LineKitDemo
import Logging
import ServiceLifecycle
import UnixSignals

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the emulator and a sample web app that logs in with LINE through the SDK.",
        discussion: """
            Open the app's URL, press "Log in with LINE", choose a user on the emulator's consent page, and see the
            profile, ID token claims and friendship; refresh, verify, revoke, push a welcome message (it shows in the
            emulator's console), or unregister. At start the app points the bot channel's webhook URL at its own
            /webhook: adding the bot as a friend on the consent page brings a welcome by reply, and what you type in the
            console's chat is echoed back.

            Example:
              swift run linekit demo
            """
    )

    @Option(help: "The demo app's port.") var port = 8080
    @Option(help: "The emulator's port.") var emulatorPort = 8123
    @Option(help: "Log level.") var logLevel = "warning"

    func run() async throws {
        var logger = Logger(label: "linekit.demo", factory: StandardErrorLogHandler.init)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let appBase = "http://127.0.0.1:\(port)"
        var seed = Seed.default
        if let index = seed.channels.firstIndex(where: { $0.channelID == Seed.webChannel.channelID }),
            !seed.channels[index].callbackURLs.contains(appBase + "/callback")
        {
            seed.channels[index].callbackURLs.append(appBase + "/callback")
        }
        let emulator = try await Emulator(
            configuration: .init(port: emulatorPort, storage: .inMemory, seed: seed, logger: logger)
        )
        let emulatorBase = URL(string: "http://127.0.0.1:\(emulatorPort)")!
        let demo = DemoApp(
            configuration: .init(
                endpoints: .emulator(emulatorBase),
                loginChannelID: Seed.webChannel.channelID,
                loginChannelSecret: Seed.webChannel.channelSecret,
                botChannelID: Seed.messagingChannel.channelID,
                botChannelSecret: Seed.messagingChannel.channelSecret,
                baseURL: appBase,
                logger: logger
            )
        )
        let emulatorApp = emulator.application()
        let demoApp = Application(
            router: demo.router(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { _ in
                Task { await demo.registerWebhook() }
                let text = """
                    LineKit demo app     \(appBase)
                    LINE emulator        \(emulatorBase.absoluteString)  (console: \(emulatorBase.absoluteString)/_emulator/console)

                    Open \(appBase) and press "Log in with LINE". Press Ctrl-C to stop.
                    """
                FileHandle.standardOutput.write(Data((text + "\n").utf8))
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [emulatorApp, demoApp, demo.webhooks],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
