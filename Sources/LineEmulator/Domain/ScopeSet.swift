/// A set of LINE Login scopes, kept in LINE's canonical order when printed.
public struct ScopeSet: Sendable, Equatable, Hashable, Codable {
    /// One LINE Login scope.
    public enum Scope: String, Sendable, CaseIterable, Codable {
        /// The user's profile: display name, picture and status message.
        case profile
        /// An ID token.
        case openid
        /// The user's email address in the ID token (channels with the email permission only).
        case email
    }

    /// The scopes in the set.
    public private(set) var scopes: Set<Scope>

    /// A set of the given scopes (duplicates collapse).
    public init(_ scopes: some Sequence<Scope>) {
        self.scopes = Set(scopes)
    }

    /// Parses a space-separated `scope` parameter; `nil` when it names an unknown scope or is empty.
    init?(parameter: String) {
        var result: Set<Scope> = []
        for part in parameter.split(separator: " ", omittingEmptySubsequences: true) {
            guard let scope = Scope(rawValue: String(part)) else { return nil }
            result.insert(scope)
        }
        guard !result.isEmpty else { return nil }
        self.scopes = result
    }

    /// Whether `scope` is in the set.
    public func contains(_ scope: Scope) -> Bool { scopes.contains(scope) }

    func removing(_ scope: Scope) -> ScopeSet { ScopeSet(scopes.subtracting([scope])) }

    func isSuperset(of other: ScopeSet) -> Bool { scopes.isSuperset(of: other.scopes) }

    /// Every scope, space-separated in canonical order (as stored).
    package var storageValue: String { Scope.allCases.filter(scopes.contains).map(\.rawValue).joined(separator: " ") }

    /// The `scope` field of token and verify responses: LINE never includes `email` there.
    var responseValue: String { Scope.allCases.filter { $0 != .email && scopes.contains($0) }.map(\.rawValue).joined(separator: " ") }

    /// The v2.0 `scope` value: `P` for the profile permission.
    var v2ResponseValue: String { "P" }

    /// The scopes' names (`profile`, `openid`, `email`) in LINE's canonical order.
    public var names: [String] { Scope.allCases.filter(scopes.contains).map(\.rawValue) }
}
