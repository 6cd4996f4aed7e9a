import LineCore

/// The login and consent page, written out directly instead of through the template engine.
///
/// It is the only page on the login path and is rendered once per login; swift-mustache's dynamic lookups made it
/// an eighth of the emulator's CPU in a load test of full logins. Every value that is not the emulator's own is
/// escaped with `htmlEscaped`; the page keeps the shared frame (`layout_head`, `layout_foot`) of the other pages.
struct ConsentPageView {
    struct UserOption {
        var userID: String
        var displayName: String
        var isSelected: Bool
        /// Already a friend of the channel's LINE Official Account (shown only when the add-friend option is).
        var isFriend: Bool = false
    }

    var lang: String
    var channelName: String
    var channelID: String
    var version: String
    var action: String
    /// Base64url, made by the emulator: nothing to escape.
    var transaction: String
    /// Alphanumeric, made by the emulator: nothing to escape.
    var csrf: String
    var users: [UserOption]
    var asksProfile: Bool
    var asksOpenID: Bool
    var asksEmail: Bool
    var offersAddFriend: Bool

    func html(frame: PageFrame) -> String {
        let channelName = channelName.htmlEscaped
        var html = frame.head(lang: lang, title: "Log in to \(self.channelName)")
        html.reserveCapacity(html.utf8.count + 2048 + users.count * 320)
        html += "<h1>Log in to \(channelName)</h1>\n"
        html += "<p class=\"muted\">Channel \(channelID.htmlEscaped) · LINE Login \(version.htmlEscaped)"
        html += " · this is the LineKit emulator, not LINE.</p>\n"
        html += "<form method=\"post\" action=\"\(action.htmlEscaped)\">\n"
        html += "<input type=\"hidden\" name=\"transaction\" value=\"\(transaction)\">\n"
        html += "<input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">\n"
        html += "<fieldset>\n<legend>Log in as</legend>\n"
        for user in users {
            let userID = user.userID.htmlEscaped
            let initial = user.displayName.first.map { String($0).uppercased() } ?? "?"
            html += "<label class=\"user\"><input type=\"radio\" name=\"user_id\" value=\"\(userID)\""
            html += user.isSelected ? " checked>\n" : ">\n"
            html += "<span class=\"avatar\" aria-hidden=\"true\">\(initial.htmlEscaped)</span>\n"
            html += "<span><strong>\(user.displayName.htmlEscaped)</strong><br><span class=\"muted\">\(userID)"
            html += user.isFriend ? " · already a friend of the account</span></span></label>\n" : "</span></span></label>\n"
        }
        if users.isEmpty {
            html += "<p class=\"muted\">The emulator has no users. Add one with <code>POST /_emulator/v1/users</code>.</p>\n"
        }
        html += "</fieldset>\n<fieldset>\n<legend>\(channelName) is asking for</legend>\n<ul class=\"perms\">\n"
        if asksProfile {
            html +=
                "<li>Your profile information (display name, profile picture, status message) <span class=\"muted\">required</span></li>\n"
        }
        if asksOpenID {
            html += "<li>Your internal identifier (OpenID Connect) <span class=\"muted\">required</span></li>\n"
        }
        html += "</ul>\n"
        if asksEmail {
            html += "<label><input type=\"checkbox\" name=\"email\" value=\"on\" checked> Your email address"
            html += " <span class=\"muted\">optional</span></label>\n"
        }
        html += "</fieldset>\n"
        if offersAddFriend {
            html += "<fieldset>\n<legend>LINE Official Account</legend>\n<label><input type=\"checkbox\" name=\"add_friend\""
            html += " value=\"on\" checked> Add the channel's LINE Official Account as a friend</label>\n"
            html += "<p class=\"muted\">Not offered to users who are already friends.</p>\n</fieldset>\n"
        }
        html += """
            <div class="actions">
            <button type="submit" name="decision" value="cancel">Cancel</button>
            <button type="submit" name="decision" value="allow" class="primary">Allow</button>
            </div>
            </form>

            """
        html += frame.foot
        return html
    }
}
