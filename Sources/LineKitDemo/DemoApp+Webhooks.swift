import Foundation
import LineCore
import LineMessaging
import Logging

extension DemoApp {
    /// The welcome the bot replies with when a user adds it as a friend (the `follow` event), for example on the
    /// consent page's "add friend" option.
    public static let welcomeText = "Welcome to the LineKit demo! Thanks for adding me as a friend."

    /// What the bot does with each webhook event, after the webhook route has answered LINE: a welcome for a new
    /// friend, and an echo of what the user types, both by reply.
    static func webhookHandler(messaging: MessagingClient, logger: Logger) -> WebhookDispatcher.Handler {
        { payload in
            for event in payload.events {
                guard let replyToken = event.replyToken else { continue }
                let answer: Message
                switch event.content {
                case .follow:
                    answer = try .text(welcomeText)
                case .message(.text(let message)):
                    answer = try .text("You said: \(message.text)")
                default:
                    continue
                }
                let result = try await messaging.reply(to: replyToken, messages: [answer])
                logger.info("replied to a webhook event", metadata: ["requestID": "\(result.requestID ?? "-")"])
            }
        }
    }

    /// Points the bot channel's webhook URL at this app with LINE's own API (`PUT /v2/bot/channel/webhook/endpoint`),
    /// so the same call works against the real LINE Platform (which requires an HTTPS URL).
    ///
    /// - Parameter attempts: how many times to try while the platform is still starting (a quarter second apart).
    /// - Returns: whether the URL was set; a failure is logged, and the app runs on without webhooks.
    @discardableResult
    public func registerWebhook(attempts: Int = 20) async -> Bool {
        let url = URL(string: configuration.baseURL + "/webhook")!
        for attempt in 1...max(1, attempts) {
            do {
                try await messaging.setWebhookEndpoint(url)
                configuration.logger.info("webhook URL set", metadata: ["url": "\(url)"])
                return true
            } catch let error as LineAPIError where error.status == nil && attempt < attempts {
                // No answer yet: the platform may still be starting.
                try? await Task.sleep(for: .milliseconds(250))
            } catch {
                configuration.logger.warning("could not set the webhook URL", metadata: ["url": "\(url)", "error": "\(error)"])
                return false
            }
        }
        return false
    }
}
