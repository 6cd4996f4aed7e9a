import Logging
import ServiceLifecycle

/// A provider is a swift-service-lifecycle `Service`: put it in the app's `ServiceGroup` (with Hummingbird's
/// `Application`) and it renews the shared token ahead of expiry in the background — once for the fleet, since the
/// providers coordinate through the store — until graceful shutdown. Shutting down revokes nothing: the token is the
/// fleet's (`revokeSharedToken()` is the explicit end).
extension ChannelTokenProvider: Service {
    /// Renews the shared token ahead of expiry, looking every `recheckInterval`, until graceful shutdown (which
    /// revokes nothing).
    ///
    /// - Throws: what an injected `sleep` throws besides cancellation (the default throws only on cancellation, which
    ///   ends the run quietly); renewal failures are logged and retried, not thrown.
    public nonisolated func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        _ = try await self.token()
                    } catch is CancellationError {
                        return
                    } catch {
                        self.logger?.warning(
                            "background renewal of the channel access token failed; trying again",
                            metadata: ["line.channel_id": .string(self.channelID), "error": .string(String(describing: error))]
                        )
                    }
                    try await self.sleep(self.recheckInterval)
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
