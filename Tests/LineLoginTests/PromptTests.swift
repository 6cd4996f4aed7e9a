import Foundation
import LineCore
import LineLogin
import Testing

/// `prompt` is not optional, so `AuthorizationOptions(prompt: .none)` no longer compiles to "no prompt": these are
/// the spellings, and the parameter each one sends.
@Suite("The authorization request's prompt")
struct PromptTests {
    static func promptParameter(_ options: AuthorizationOptions) throws -> String? {
        let redirect = try LoginUnitTests.client.authorizationRedirect(redirectURI: "https://e.x/cb", scopes: [.openid], options: options)
        return LoginUnitTests.query(redirect.url)["prompt"]
    }

    @Test("the default sends no prompt; .noInteraction is LINE's prompt=none")
    func spellings() throws {
        #expect(AuthorizationOptions().prompt == .automatic)
        #expect(try Self.promptParameter(AuthorizationOptions()) == nil)
        #expect(try Self.promptParameter(AuthorizationOptions(prompt: .automatic)) == nil)
        #expect(try Self.promptParameter(AuthorizationOptions(prompt: .noInteraction)) == "none")
        #expect(try Self.promptParameter(AuthorizationOptions(prompt: .consent)) == "consent")
        #expect(try Self.promptParameter(AuthorizationOptions(prompt: .login)) == "login")
    }

    @Test("parameter values read back to the same prompt", arguments: ["consent", "none", "login"])
    func parameterValues(value: String) throws {
        #expect(Prompt(parameterValue: value)?.parameterValue == value)
        #expect(Prompt(parameterValue: "") == nil)
    }
}
