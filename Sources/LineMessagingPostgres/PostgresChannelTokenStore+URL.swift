import Foundation
import LineMessaging
import NIOSSL
import PostgresNIO

extension PostgresChannelTokenStore {
    /// A `PostgresClient` configuration from `postgres://user:password@host:port/database?sslmode=…`, for tools and
    /// tests (`sslmode`: `disable`, `prefer` (the default) or `require`; certificates are not verified).
    /// Errors never repeat the password.
    ///
    /// - Parameter text: the URL.
    /// - Throws: `MessagingError.Code.storeUnavailable` saying what is wrong with the URL (never its password).
    public static func clientConfiguration(url text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else {
            throw MessagingError.storeUnavailable("the database URL must look like postgres://user:password@host:port/database")
        }
        let database = String(url.path.drop { $0 == "/" })
        let sslMode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        tlsConfiguration.certificateVerification = .none
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(tlsConfiguration)
        case "require": tls = .require(tlsConfiguration)
        default: throw MessagingError.storeUnavailable("sslmode must be disable, prefer or require, not \(sslMode)")
        }
        return PostgresClient.Configuration(
            host: host,
            port: url.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: url.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.isEmpty ? nil : (database.removingPercentEncoding ?? database),
            tls: tls
        )
    }
}
