import LineMessaging
import Testing

@Suite("MessagingError: one struct with an extensible code")
struct MessagingErrorTests {
    @Test("errors match on their code and slot; the numbers are in the message")
    func codes() {
        let tooLong = MessagingError.textTooLong(utf16Length: 5002)
        #expect(tooLong.code == .textTooLong && tooLong.message.contains("5002"))
        #expect(tooLong == MessagingError(code: .textTooLong, message: "another sentence"))
        #expect(tooLong != MessagingError.emptyText)
        let slot = ChannelTokenSlot(channelID: "1234567890", kind: .v2_1)
        let unreadable = MessagingError.sealedTokenUnreadable(slot)
        #expect(unreadable.code == .sealedTokenUnreadable && unreadable.slot == slot)
        #expect(unreadable != MessagingError.sealedTokenUnreadable(ChannelTokenSlot(channelID: "1234567890", kind: .shortLived)))
        #expect(String(describing: MessagingError.storeUnavailable("timed out")).contains("storeUnavailable"))
    }

    @Test("a switch over codes needs a default, so new codes do not break it")
    func switchWithDefault() {
        func retryable(_ error: MessagingError) -> Bool {
            switch error.code {
            case .storeUnavailable, .timedOutWaitingForToken: true
            default: false
            }
        }
        #expect(retryable(.storeUnavailable("down")))
        #expect(!retryable(.messageCount(6)))
    }
}
