import Crypto
import Foundation
import Mustache

/// Renders the emulator's HTML pages from the Mustache templates shipped as resources.
///
/// Mustache's `{{…}}` escapes HTML, and the templates never use the unescaped `{{{…}}}` form for anything that came
/// from a request, so no markup or script from request parameters is ever rendered.
struct PageRenderer: Sendable {
    enum Template: String, CaseIterable {
        case consent
        case error
        case formPost = "form_post"
        case consoleChannels = "console_channels"
        case consoleUsers = "console_users"
        case consoleUser = "console_user"
        case consoleTokens = "console_tokens"
        case consoleMessages = "console_messages"
        case consoleRequests = "console_requests"
        case consoleFaults = "console_faults"
        case consoleClock = "console_clock"
    }

    /// The only script on any page: it submits a `form_post` response (the page works without it, via a button).
    static let autoSubmitScript = "document.forms[0].submit();"
    static let autoSubmitScriptHash = Data(SHA256.hash(data: Data(autoSubmitScript.utf8))).base64EncodedString()

    private let library: MustacheLibrary

    init() async throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw PageRendererError(description: "the emulator's page templates are missing from the resource bundle")
        }
        library = try await MustacheLibrary(directory: directory.path)
        for template in Template.allCases where library.getTemplate(named: template.rawValue) == nil {
            throw PageRendererError(description: "the page template \(template.rawValue).mustache is missing")
        }
    }

    func render(_ template: Template, _ object: Any) -> String {
        library.render(object, withTemplate: template.rawValue) ?? "<!doctype html><title>Error</title><p>Page template missing."
    }
}

struct PageRendererError: Error, CustomStringConvertible {
    var description: String
}
