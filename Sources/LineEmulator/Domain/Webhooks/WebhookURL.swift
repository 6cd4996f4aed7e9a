import Foundation

/// The rules for a webhook URL. LINE accepts only HTTPS; the emulator also accepts plain `http://`, so that a receiver
/// on the developer's machine needs no certificate (docs/FIDELITY.md).
enum WebhookURL {
    /// LINE's `maxLength` for `endpoint` (OpenAPI `SetWebhookEndpointRequest`).
    static let maximumLength = 500

    /// Why `url` cannot be a webhook URL, or `nil` when it can.
    static func problem(with url: String) -> String? {
        guard url.utf8.count <= maximumLength else { return "must be at most \(maximumLength) characters" }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty, components.fragment == nil
        else {
            return "must be an absolute http or https URL with a host and no fragment"
        }
        return nil
    }
}
