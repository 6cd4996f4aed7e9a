import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

extension TestEmulator {
    /// What a user does on the emulator's login and consent page.
    public enum ConsentChoice: Sendable {
        /// Log in as the user and press Allow (grant `email` when requested; tick "Add friend" when offered).
        case allow(userID: String, grantEmail: Bool = true, addFriend: Bool = true)
        /// Press Cancel.
        case cancel
    }

    /// Acts as the browser: opens `authorizationURL` (a URL on this emulator), answers the consent page with `choice`,
    /// and returns the URL the emulator redirected to (the app's callback with `code` and `state`, or an error).
    ///
    /// Cookies are kept in `session`, so a second call with the same session is a logged-in browser (`prompt=none`).
    ///
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` when the emulator answers with neither the login
    ///   page nor a redirect (an authorization request it refuses outright), or an `HTTPClientError` when it cannot
    ///   be reached.
    public func authorize(
        _ authorizationURL: URL,
        choice: ConsentChoice,
        session: BrowserSession = BrowserSession()
    ) async throws -> URL {
        let first = try await session.send(url: authorizationURL.absoluteString, method: .GET, body: nil)
        if let location = first.location { return try Self.url(location) }
        guard first.status == .ok, let page = first.body else {
            throw TestEmulatorError.unexpectedPage(status: Int(first.status.code), body: first.body ?? "")
        }
        guard let transaction = Self.hiddenField("transaction", in: page), let csrf = Self.hiddenField("csrf", in: page) else {
            throw TestEmulatorError.unexpectedPage(status: Int(first.status.code), body: page)
        }
        var fields = [("transaction", transaction), ("csrf", csrf)]
        switch choice {
        case .allow(let userID, let grantEmail, let addFriend):
            fields.append(("decision", "allow"))
            fields.append(("user_id", userID))
            if grantEmail { fields.append(("email", "on")) }
            if addFriend { fields.append(("add_friend", "on")) }
        case .cancel:
            fields.append(("decision", "cancel"))
        }
        let body = fields.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let answer = try await session.send(url: baseURL.absoluteString + "/oauth2/v2.1/authorize/consent", method: .POST, body: body)
        guard let location = answer.location else {
            throw TestEmulatorError.unexpectedPage(status: Int(answer.status.code), body: answer.body ?? "")
        }
        return try Self.url(location)
    }

    private static func url(_ string: String) throws -> URL {
        guard let url = URL(string: string) else { throw TestEmulatorError.unexpectedPage(status: 302, body: string) }
        return url
    }

    /// The `value` of `<input type="hidden" name="NAME" value="…">` in a page (the emulator's own markup).
    static func hiddenField(_ name: String, in page: String) -> String? {
        guard let start = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = page[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// A minimal browser for tests: one HTTP client that keeps the emulator's cookies and never follows redirects.
public final class BrowserSession: Sendable {
    /// One client for every session, like `HTTPClient.shared`, but never following redirects.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow)
    )
    private let cookies = CookieJar()

    /// A browser with no cookies: not logged in to the emulator.
    public init() {}

    struct Page {
        var status: HTTPResponseStatus
        var location: String?
        var body: String?
    }

    func send(url: String, method: HTTPMethod, body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = method
        let cookieHeader = cookies.header
        if !cookieHeader.isEmpty { request.headers.add(name: "Cookie", value: cookieHeader) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        for value in response.headers["Set-Cookie"] { cookies.store(setCookie: value) }
        let buffer = try await response.body.collect(upTo: 4 * 1024 * 1024)
        return Page(status: response.status, location: response.headers.first(name: "Location"), body: String(buffer: buffer))
    }
}

/// Name=value cookies of one host, enough for the emulator's CSRF and SSO cookies.
final class CookieJar: Sendable {
    private let values = Mutex<[String: String]>([:])

    var header: String {
        values.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
    }

    func store(setCookie: String) {
        guard let pair = setCookie.split(separator: ";").first else { return }
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { return }
        values.withLock { $0[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1]) }
    }
}
