/// Why the admin service refused an action. The admin API answers `{"message": description}` with ``status``; the
/// console shows an error page with ``title`` and the description. Descriptions never include a token or a secret.
enum AdminError: Error, Equatable, CustomStringConvertible {
    /// Input out of bounds or malformed (400).
    case invalid(String)
    /// The user, channel, token or rule named does not exist (404).
    case notFound(String)
    /// The ID is taken (409).
    case conflict(String)

    var status: Int {
        switch self {
        case .invalid: 400
        case .notFound: 404
        case .conflict: 409
        }
    }

    /// A short heading for the console's error page.
    var title: String {
        switch self {
        case .invalid: "Invalid input"
        case .notFound: "Not found"
        case .conflict: "Already exists"
        }
    }

    var description: String {
        switch self {
        case .invalid(let text), .notFound(let text), .conflict(let text): text
        }
    }
}
