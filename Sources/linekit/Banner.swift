import LineEmulator

/// What `linekit emulator` prints once it is listening: where it is and what it knows.
enum Banner {
    static func text(host: String, port: Int, storage: String, channels: [Channel], users: [User], startup: Duration) -> String {
        let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        let milliseconds = Double(startup.components.attoseconds) / 1e15 + Double(startup.components.seconds) * 1000
        var lines = [
            "LINE Platform emulator listening on \(base)  (ready in \(Int(milliseconds.rounded())) ms; state: \(storage))",
            "",
            "  Authorization URL   \(base)/oauth2/v2.1/authorize",
            "  API base            \(base)  (use it as both access.line.me and api.line.me)",
            "  Discovery           \(base)/.well-known/openid-configuration",
            "  Admin API           \(base)/_emulator/v1/",
            "",
            "Channels:",
        ]
        for channel in channels {
            let kind = channel.kind == .login ? "LINE Login, \(channel.appType.rawValue)" : "Messaging API"
            lines.append("  \(channel.channelID)  \(channel.name)  (\(kind))")
            lines.append("      channel secret  \(channel.channelSecret)")
            for url in channel.callbackURLs {
                lines.append("      callback URL    \(url)")
            }
        }
        lines.append("")
        lines.append("Users:")
        for user in users {
            lines.append("  \(user.userID)  \(user.displayName)\(user.email.map { "  <\($0)>" } ?? "")")
        }
        lines.append("")
        lines.append("Press Ctrl-C to stop.")
        return lines.joined(separator: "\n")
    }
}
