import Foundation

extension TestEmulator {
    /// Like ``authorize(_:choice:session:)`` for a request with `response_mode=form_post`: answers the consent page and
    /// returns what the emulator's auto-submitting page would `POST` to the app: the callback URL and the
    /// `application/x-www-form-urlencoded` body (`code` and `state`, or the error).
    ///
    /// - Throws: ``TestEmulatorError/unexpectedPage(status:body:)`` when the emulator redirects instead of answering
    ///   with the auto-submitting page, or answers with something else; an `HTTPClientError` when it cannot be reached.
    public func authorizeFormPost(
        _ authorizationURL: URL,
        choice: ConsentChoice,
        session: BrowserSession = BrowserSession()
    ) async throws -> (action: URL, form: String) {
        let page: String
        do {
            let location = try await authorize(authorizationURL, choice: choice, session: session)
            throw TestEmulatorError.unexpectedPage(status: 302, body: location.absoluteString)
        } catch TestEmulatorError.unexpectedPage(200, let body) {
            page = body
        }
        guard let action = Self.attribute("action", in: page).flatMap(URL.init(string:)) else {
            throw TestEmulatorError.unexpectedPage(status: 200, body: page)
        }
        let names = page.components(separatedBy: "<input type=\"hidden\" name=\"").dropFirst().compactMap {
            $0.split(separator: "\"").first
        }
        let fields = names.compactMap { name in Self.hiddenField(String(name), in: page).map { "\(name)=\(Self.formEncode($0))" } }
        return (action, fields.joined(separator: "&"))
    }

    /// The value of the first `NAME="…"` attribute in the emulator's own markup.
    private static func attribute(_ name: String, in page: String) -> String? {
        guard let start = page.range(of: "\(name)=\"") else { return nil }
        let rest = page[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]).replacingOccurrences(of: "&amp;", with: "&") }
    }
}
