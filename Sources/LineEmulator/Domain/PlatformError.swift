/// An error the emulator answers with, in the shape LINE uses for the endpoint family.
///
/// The domain layer throws these; the HTTP layer turns them into a status code and body. They carry no
/// secrets: descriptions never include tokens or channel secrets.
struct PlatformError: Error, Sendable, Equatable {
    enum Body: Sendable, Equatable {
        /// OAuth endpoints: `{"error": …, "error_description": …}` (the description may be absent).
        case oauth(error: String, description: String?)
        /// Messaging-style endpoints: `{"message": …, "details": [...]}`.
        case message(String, details: [Detail])
        /// Browser-facing pages (authorization): an HTML error page, never a redirect.
        case page(title: String, detail: String)
    }

    struct Detail: Sendable, Equatable, Encodable {
        var message: String
        var property: String
    }

    var status: Int
    var body: Body
    /// For LINE's `The property, '…', in the request body is invalid (line: N, column: N)`: the property's path, so
    /// the HTTP layer, which has the body's text, can fill in where it is (``withPosition(line:column:)``).
    var invalidProperty: String? = nil

    /// `The property, 'PATH', in the request body is invalid (line: -, column: -)`: a value of the wrong type, or a
    /// malformed recipient.
    static func invalidProperty(_ path: String) -> PlatformError {
        var error = PlatformError.message(400, "The property, '\(path)', in the request body is invalid (line: -, column: -)")
        error.invalidProperty = path
        return error
    }

    /// The error with the property's position in the body filled in.
    func withPosition(line: Int, column: Int) -> PlatformError {
        guard let invalidProperty else { return self }
        return .message(400, "The property, '\(invalidProperty)', in the request body is invalid (line: \(line), column: \(column))")
    }

    static func oauth(_ status: Int = 400, _ error: String, _ description: String?) -> PlatformError {
        PlatformError(status: status, body: .oauth(error: error, description: description))
    }

    static func invalidRequest(_ description: String) -> PlatformError {
        .oauth(400, "invalid_request", description)
    }

    static func invalidGrant(_ description: String) -> PlatformError {
        .oauth(400, "invalid_grant", description)
    }

    static func invalidClient(_ description: String) -> PlatformError {
        .oauth(400, "invalid_client", description)
    }

    static func message(_ status: Int, _ message: String, details: [Detail] = []) -> PlatformError {
        PlatformError(status: status, body: .message(message, details: details))
    }

    /// LINE's validation error: `The request body has N error(s)` with one detail per problem.
    static func validation(_ details: [Detail]) -> PlatformError {
        .message(400, "The request body has \(details.count) error(s)", details: details)
    }

    static func page(_ status: Int, _ title: String, _ detail: String) -> PlatformError {
        PlatformError(status: status, body: .page(title: title, detail: detail))
    }

    static let missingAuthorization = PlatformError.message(
        401,
        "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
    )

    static let invalidBearerToken = PlatformError.message(
        401,
        "Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid."
    )

    static let notFound = PlatformError.message(404, "Not found")
    static let payloadTooLarge = PlatformError.message(413, "Request Entity Too Large")
}
