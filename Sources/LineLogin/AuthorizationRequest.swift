import Crypto
import Foundation
import LineCore

/// What the callback needs to finish a login: keep it between the redirect to LINE and the callback (in a sealed
/// cookie with `SealedAuthorization`, or in a session store).
public struct PendingAuthorization: Sendable, Codable, Equatable {
    /// The LINE Login version the login was started with.
    public enum Version: String, Sendable, Codable {
        /// LINE Login v2.1 (OpenID Connect, ID tokens).
        case v2_1 = "v2.1"
        /// LINE Login v2.0 (no ID tokens).
        case v2_0 = "v2.0"
    }

    /// The LINE Login version the login was started with.
    public var version: Version
    /// The `state` sent to LINE; the callback must carry the same value.
    public var state: String
    /// The nonce the ID token must carry; `nil` only when the request asked for no ID token.
    public var nonce: String?
    /// The PKCE code verifier, sent with the code exchange; `nil` without PKCE.
    public var codeVerifier: String?
    /// The `redirect_uri` of the request, which the code exchange must repeat.
    public var redirectURI: String
    /// The scopes requested.
    public var scopes: [Scope]
    /// `max_age` of the request, checked against `auth_time` in the ID token.
    public var maxAge: Int?
    /// When the login was started; ``SealedAuthorization`` refuses one older than its lifetime.
    public var createdAt: Date
    /// The request's `response_mode` when it was not `query`: with a JWT mode the callback must carry a valid
    /// `response` JWT.
    public var responseMode: ResponseMode?

    /// What the callback needs (the SDK makes this in ``LineLoginClient/authorizationRedirect(redirectURI:scopes:options:now:)``;
    /// build one yourself only to test).
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
    /// `max_age`: the longest time, in seconds, since the user last authenticated; the ID token's `auth_time` is
    /// checked against it.
    public var maxAge: Int?
    /// BCP 47 language tags in order of preference.
    public var uiLocales: [String]
    /// `bot_prompt`: offer to add the channel's LINE Official Account as a friend (`normal` or `aggressive`).
    public var botPrompt: BotPrompt?
    /// `initial_amr_display=lineqr`: show "Log in with QR code" first.
    public var showQRCodeFirst: Bool
    /// `switch_amr=false` hides the buttons that switch the login method.
    public var allowSwitchingLoginMethod: Bool
    /// `disable_auto_login=true`: never log the user in automatically.
    public var disableAutoLogin: Bool
    /// `disable_ios_auto_login=true`: no automatic login in LINE on iOS.
    public var disableIOSAutoLogin: Bool
    /// How LINE returns the result to the callback (`response_mode`). Default ``ResponseMode/query``.
    public var responseMode: ResponseMode
    /// Whether to use PKCE (S256). Default `true`.
    public var usePKCE: Bool

    /// Options; every argument has the default documented on its property.
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
    /// The authorization URL on `access.line.me` (or the emulator) to redirect the browser to.
    public var url: URL
    /// What the callback needs: keep it (sealed in a cookie, or in a session) until the callback.
    public var pending: PendingAuthorization
}

/// A `PendingAuthorization` sealed with AES-GCM under a key only the app has, so it can live in a cookie: no
/// server-side session store, and any instance of the app can finish the login.
public struct SealedAuthorization: Sendable {
    /// The AES-GCM key (256 bits) the pending authorization is sealed with.
    public let key: SymmetricKey
    /// How long a login may take from redirect to callback, in seconds. Default 10 minutes (an authorization code's
    /// lifetime).
    public let lifetime: TimeInterval

    /// - Parameters:
    ///   - key: 256 bits, the same on every instance (e.g. from a secret store).
    ///   - lifetime: how long a login may take from redirect to callback, in seconds. Default 600.
    public init(key: SymmetricKey, lifetime: TimeInterval = 600) {
        self.key = key
        self.lifetime = lifetime
    }

    /// The cookie-safe sealed form.
    ///
    /// - Throws: ``LoginError`` with code ``LoginError/Code/invalidSealedAuthorization`` when sealing fails, or an
    ///   `EncodingError`.
    public func seal(_ pending: PendingAuthorization) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let box = try AES.GCM.seal(try encoder.encode(pending), using: key)
        guard let combined = box.combined else { throw LoginError.invalidSealedAuthorization }
        return Base64URL.encode(combined)
    }

    /// The pending authorization, if the value is unaltered, sealed with this key and not expired.
    ///
    /// - Throws: ``LoginError`` with code ``LoginError/Code/invalidSealedAuthorization`` when the value was altered
    ///   or sealed with another key, ``LoginError/Code/expiredAuthorization`` when it is older than ``lifetime``.
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
