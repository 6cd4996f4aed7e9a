import Crypto
import Foundation
import LineCore
import Mustache

/// Renders the emulator's HTML pages from the Mustache templates shipped as resources.
///
/// Mustache's `{{…}}` escapes HTML, and the templates never use the unescaped `{{{…}}}` form for anything that came
/// from a request, so no markup or script from request parameters is ever rendered.
struct PageRenderer: Sendable {
    enum Template: String, CaseIterable {
        case error
        case formPost = "form_post"
        case consoleChannels = "console_channels"
        case consoleUsers = "console_users"
        case consoleUser = "console_user"
        case consoleGroups = "console_groups"
        case consoleTokens = "console_tokens"
        case consoleMessages = "console_messages"
        case consoleRequests = "console_requests"
        case consoleFaults = "console_faults"
        case consoleClock = "console_clock"
        case consoleWebhooks = "console_webhooks"
    }

    /// The only script on any page: it submits a `form_post` response (the page works without it, via a button).
    static let autoSubmitScript = "document.forms[0].submit();"
    static let autoSubmitScriptHash = Data(SHA256.hash(data: Data(autoSubmitScript.utf8))).base64EncodedString()

    private let library: MustacheLibrary
    /// The frame of every page, for the pages written out in Swift (`ConsentPageView`).
    let frame: PageFrame

    init() async throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw PageRendererError(description: "the emulator's page templates are missing from the resource bundle")
        }
        library = try await MustacheLibrary(directory: directory.path)
        for template in Template.allCases where library.getTemplate(named: template.rawValue) == nil {
            throw PageRendererError(description: "the page template \(template.rawValue).mustache is missing")
        }
        frame = try PageFrame(library: library)
    }

    func render(_ template: Template, _ object: Any) -> String {
        library.render(object, withTemplate: template.rawValue) ?? "<!doctype html><title>Error</title><p>Page template missing."
    }
}

/// `layout_head` and `layout_foot` rendered once, with the page's language and title left as gaps to fill in.
struct PageFrame: Sendable {
    private let beforeLang: String
    private let beforeTitle: String
    private let afterTitle: String
    let foot: String

    init(library: MustacheLibrary) throws {
        // Private-use characters stand in for the values: Mustache's escaping leaves them as they are.
        let lang = "\u{E000}", title = "\u{E001}"
        let head = try MustacheTemplate(string: "{{> layout_head}}").render(["lang": lang, "title": title], library: library)
        let parts = head.split(separator: lang, omittingEmptySubsequences: false)
        let titleParts = parts.count == 2 ? parts[1].split(separator: title, omittingEmptySubsequences: false) : []
        guard titleParts.count == 2, !parts[0].contains(title) else {
            throw PageRendererError(description: "layout_head.mustache must use {{lang}} once and then {{title}} once")
        }
        beforeLang = String(parts[0])
        beforeTitle = String(titleParts[0])
        afterTitle = String(titleParts[1])
        foot = try MustacheTemplate(string: "{{> layout_foot}}").render([String: String](), library: library)
    }

    /// The head of a page; `lang` and `title` are escaped here.
    func head(lang: String, title: String) -> String {
        beforeLang + lang.htmlEscaped + beforeTitle + title.htmlEscaped + afterTitle
    }
}

struct PageRendererError: Error, CustomStringConvertible {
    var description: String
}
