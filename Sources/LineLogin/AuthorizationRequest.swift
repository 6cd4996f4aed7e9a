import Crypto
import Foundation
import LineCore

/// What the callback needs to finish a login: keep it between the redirect to LINE and the callback (in a sealed
/// cookie with `SealedAuthorization`, or in a session store).
public struct PendingAuthorization: Sendable, Codable, Equatable {
    public enum Version: String, Sendable, Codable {
        case v2_1 = "v2.1"
        case v2_0 = "v2.0"
    }

    public var version: Version
    public var state: String
    /// The nonce the ID token must carry; `nil` only when the request asked for no ID token.
    public var nonce: String?
    public var codeVerifier: String?
    public var redirectURI: String
    public var scopes: [Scope]
    /// `max_age` of the request, checked against `auth_time` in the ID token.
    public var maxAge: Int?
    public var createdAt: Date
    /// The request's `response_mode` when it was not `query`: with a JWT mode the callback must carry a valid
    /// `response` JWT.
    public var responseMode: ResponseMode?

    public init(
        version: Version,
        state: String,
        nonce: String?,
        codeVerifier: String?,
        redirectURI: String,
        scopes: [Scope],
        maxAge: Int?,
        createdAt: Date,
        responseMode: ResponseMode? = nil
    ) {
        self.version = version
        self.state = state
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.maxAge = maxAge
        self.createdAt = createdAt
        self.responseMode = responseMode
    }
}

/// The typed options of a v2.1 authorization request (LINE's *Integrating LINE Login with your web app*). Defaults: PKCE on, a nonce, `query` mode.
public struct AuthorizationOptions: Sendable {
    /// `prompt`; default ``Prompt/automatic`` (no parameter).
    public var prompt: Prompt
    public var maxAge: Int?
    /// BCP 47 language tags in order of preference.
    public var uiLocales: [String]
    public var botPrompt: BotPrompt?
    /// `initial_amr_display=lineqr`: show "Log in with QR code" first.
    public var showQRCodeFirst: Bool
    /// `switch_amr=false` hides the buttons that switch the login method.
    public var allowSwitchingLoginMethod: Bool
    public var disableAutoLogin: Bool
    public var disableIOSAutoLogin: Bool
    public var responseMode: ResponseMode
    /// Whether to use PKCE (S256). Default `true`.
    public var usePKCE: Bool

    public init(
        prompt: Prompt = .automatic,
        maxAge: Int? = nil,
        uiLocales: [String] = [],
        botPrompt: BotPrompt? = nil,
        showQRCodeFirst: Bool = false,
        allowSwitchingLoginMethod: Bool = true,
        disableAutoLogin: Bool = false,
        disableIOSAutoLogin: Bool = false,
        responseMode: ResponseMode = .query,
        usePKCE: Bool = true
    ) {
        self.prompt = prompt
        self.maxAge = maxAge
        self.uiLocales = uiLocales
        self.botPrompt = botPrompt
        self.showQRCodeFirst = showQRCodeFirst
        self.allowSwitchingLoginMethod = allowSwitchingLoginMethod
        self.disableAutoLogin = disableAutoLogin
        self.disableIOSAutoLogin = disableIOSAutoLogin
        self.responseMode = responseMode
        self.usePKCE = usePKCE
    }
}

/// A URL to send the browser to, and what the callback needs.
public struct AuthorizationRedirect: Sendable {
    public var url: URL
    public var pending: PendingAuthorization
}

/// A `PendingAuthorization` sealed with AES-GCM under a key only the app has, so it can live in a cookie: no
/// server-side session store, and any instance of the app can finish the login.
public struct SealedAuthorization: Sendable {
    public let key: SymmetricKey
    /// How long a login may take from redirect to callback. Default 10 minutes (an authorization code's lifetime).
    public let lifetime: TimeInterval

    /// - Parameter key: 256 bits, the same on every instance (e.g. from a secret store).
    public init(key: SymmetricKey, lifetime: TimeInterval = 600) {
        self.key = key
        self.lifetime = lifetime
    }

    /// The cookie-safe sealed form.
    public func seal(_ pending: PendingAuthorization) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let box = try AES.GCM.seal(try encoder.encode(pending), using: key)
        guard let combined = box.combined else { throw LoginError.invalidSealedAuthorization }
        return Base64URL.encode(combined)
    }

    /// The pending authorization, if the value is unaltered, sealed with this key and not expired.
    public func open(_ sealed: String, now: Date = Date()) throws -> PendingAuthorization {
        guard let data = Base64URL.decode(sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key)
        else {
            throw LoginError.invalidSealedAuthorization
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let pending = try? decoder.decode(PendingAuthorization.self, from: plain) else { throw LoginError.invalidSealedAuthorization }
        guard now.timeIntervalSince(pending.createdAt) <= lifetime else { throw LoginError.expiredAuthorization }
        return pending
    }
}
