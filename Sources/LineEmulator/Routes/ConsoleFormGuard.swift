import Foundation
import Hummingbird
import LineCore

/// The console's defence against forged form posts (CSRF): a per-browser session cookie, and in every form a token
/// sealed to that session and to the time the page was rendered.
///
/// Every page renders fresh tokens, and a token is accepted for `lifetime` only, so tokens rotate; one browser's
/// token is useless with another browser's cookie. The session cookie is `HttpOnly` and `SameSite=Strict`.
struct ConsoleFormGuard: Sendable {
    static let cookieName = "linekit_console"
    /// How long a rendered form stays usable. Real time, not the emulator's clock (which tests move).
    static let lifetime: TimeInterval = 3600
    private static let purpose = "console-form"

    let keys: SigningKeys

    /// The browser's console session from its cookie, or a new one (`isNew`: the response must set the cookie).
    func session(of request: Request) -> (id: String, isNew: Bool) {
        if let id = request.cookies[Self.cookieName]?.value, Self.isSessionID(id) { return (id, false) }
        return (Randomness.alphanumeric(32), true)
    }

    func cookie(for sessionID: String) -> Cookie {
        Cookie(name: Self.cookieName, value: sessionID, path: ConsoleRoutes.prefix, httpOnly: true, sameSite: .strict)
    }

    /// A form token for `sessionID`, valid for `lifetime` from `now`; a random part makes every page's tokens new.
    func token(for sessionID: String, now: Date = Date()) -> String {
        let payload = "\(sessionID).\(Int(now.timeIntervalSince1970)).\(Randomness.alphanumeric(8))"
        return keys.seal(Data(payload.utf8), purpose: Self.purpose)
    }

    /// Whether `token` was rendered for the session in the request's cookie, less than `lifetime` ago.
    func accepts(_ token: String?, from request: Request, now: Date = Date()) -> Bool {
        guard let token, let cookie = request.cookies[Self.cookieName]?.value,
            let payload = keys.open(token, purpose: Self.purpose).flatMap({ String(data: $0, encoding: .utf8) })
        else { return false }
        let parts = payload.split(separator: ".")
        guard parts.count == 3, let issued = TimeInterval(parts[1]) else { return false }
        let age = now.timeIntervalSince1970 - issued
        return constantTimeEquals(String(parts[0]), cookie) && age > -60 && age < Self.lifetime
    }

    private static func isSessionID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}
