import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/dbname?sslmode=…` URL, read as libpq reads it.
///
/// `sslmode` is `disable`, `allow`, `prefer` (the default, as in libpq), `require`, `verify-ca` or `verify-full`;
/// `host=/a/folder` in the query names a unix socket folder instead of a TCP host.
struct PostgresURL: Sendable, CustomStringConvertible {
    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var sslMode: String
    /// The unix socket folder, when `host=/…` is in the query.
    var socketFolder: String?

    /// Why a URL was refused; never contains the password.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    init(_ text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw Invalid(description: "the database URL must look like postgres://user:password@host:port/dbname")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        socketFolder = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        guard let host = components.host.flatMap({ $0.isEmpty ? nil : $0 }) ?? socketFolder.map({ _ in "localhost" }) else {
            throw Invalid(description: "the database URL has no host (postgres://user:password@HOST:port/dbname)")
        }
        self.host = host
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw Invalid(description: "the database URL's port must be 1 to 65535") }
        guard let user = components.user, !user.isEmpty else {
            throw Invalid(description: "the database URL has no user name (postgres://USER:password@host:port/dbname)")
        }
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = String(components.path.drop { $0 == "/" })
        database = path.isEmpty ? nil : (path.removingPercentEncoding ?? path)
        sslMode = query["sslmode"] ?? "prefer"
        guard Self.sslModes.contains(sslMode) else {
            throw Invalid(description: "sslmode must be one of \(Self.sslModes.joined(separator: ", ")), not \(sslMode)")
        }
    }

    /// The URL without its password, for banners and error messages.
    var description: String {
        let place = socketFolder.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host):\(port)"
        return "postgres://\(username)@\(place)/\(database ?? username)"
    }

    /// libpq's TLS modes: `nil` for `disable`, else the TLS configuration and whether the server must use it
    /// (`allow` is treated as `prefer`; `require` does not check the certificate, `verify-ca` checks the chain only,
    /// `verify-full` also the host name).
    private var tls: (configuration: TLSConfiguration, required: Bool)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "disable": return nil
        case "verify-full": return (configuration, true)
        case "verify-ca":
            configuration.certificateVerification = .noHostnameVerification
            return (configuration, true)
        default:
            configuration.certificateVerification = .none
            return (configuration, sslMode == "require")
        }
    }

    /// The pool's configuration.
    func clientConfiguration() -> PostgresClient.Configuration {
        if let socketFolder {
            return .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS =
            switch self.tls {
            case nil: .disable
            case let (configuration, required)?: required ? .require(configuration) : .prefer(configuration)
            }
        return .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of one connection, made outside the pool to learn at once why the database cannot be used.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let socketFolder {
            return .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS =
            switch self.tls {
            case nil: .disable
            case let (configuration, required)?:
                required
                    ? .require(try NIOSSLContext(configuration: configuration)) : .prefer(try NIOSSLContext(configuration: configuration))
            }
        return .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
