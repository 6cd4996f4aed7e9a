import NIOCore

/// The names under which the emulator answers as itself: the `Host` values its admin API and console accept, and
/// the ones the discovery document may repeat in its URLs.
///
/// A page on another site that rebinds its own DNS name to 127.0.0.1 (DNS rebinding) reaches the emulator with its
/// own name in `Host`; refusing unknown names keeps such a page out of the admin API and console. Served are
/// `localhost`, any IP literal (`127.0.0.1`, `[::1]`, a LAN address: an address cannot be rebound), the bound host,
/// and the configured public URL's host, each with any port.
struct ServedHosts: Sendable {
    private let names: Set<String>

    init(boundHost: String, publicBaseURL: String?) {
        var names: Set<String> = ["localhost"]
        if let bound = Self.hostName(of: boundHost) { names.insert(bound) }
        if let url = publicBaseURL, let origin = AdminAccess.origin(of: url), let schemeEnd = origin.firstRange(of: "://"),
            let host = Self.hostName(of: String(origin[schemeEnd.upperBound...]))
        {
            names.insert(host)
        }
        self.names = names
    }

    /// Whether `authority` (a `Host` header: `name[:port]`) names this emulator.
    func contains(authority: String) -> Bool {
        guard let name = Self.hostName(of: authority) else { return false }
        return names.contains(name) || Self.isAddressLiteral(name)
    }

    /// The lower-cased host name of `name[:port]` (IPv6 without its brackets, no trailing dot); `nil` if malformed.
    static func hostName(of authority: String) -> String? {
        var text = Substring(authority.lowercased())
        var name: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = text[text.index(after: text.startIndex)..<close]
            text = text[text.index(after: close)...]
        } else {
            name = text.prefix { $0 != ":" }
            text = text[name.endIndex...]
        }
        if !text.isEmpty {
            guard text.first == ":", text.dropFirst().allSatisfy(\.isASCIIDigit) else { return nil }
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        return name.isEmpty ? nil : String(name)
    }

    private static func isAddressLiteral(_ name: String) -> Bool {
        (try? SocketAddress(ipAddress: name, port: 0)) != nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
