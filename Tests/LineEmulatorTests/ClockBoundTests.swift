import Foundation
import LineEmulator
import LineEmulatorTesting
import NIOHTTP1
import Testing

/// The clock refuses durations that are not positive, finite and within its bounds, whichever way they arrive, so
/// nothing that reports the time can overflow afterwards.
@Suite("Clock bounds")
struct ClockBoundTests {
    @Test("checkedAdvance refuses NaN, infinities, zero, negatives, more than ten years at once and a hundred in total")
    func checkedAdvance() throws {
        let clock = EmulatorClock(fixed: Date(timeIntervalSince1970: 1_800_000_000))
        for seconds in [Double.nan, .infinity, -.infinity, 0, -1, -1e300, -Double.leastNonzeroMagnitude] {
            #expect(throws: EmulatorClock.AdvanceRefusal.notPositive) { try clock.checkedAdvance(by: seconds) }
        }
        for seconds in [1e300, EmulatorClock.maximumAdvance + 1, Double.greatestFiniteMagnitude] {
            #expect(throws: EmulatorClock.AdvanceRefusal.tooLong) { try clock.checkedAdvance(by: seconds) }
        }
        clock.advance(by: 1e300)
        #expect(clock.offsetSeconds == 0, "advance(by:) ignores what checkedAdvance refuses")

        for _ in 0..<10 { try clock.checkedAdvance(by: EmulatorClock.maximumAdvance) }
        #expect(clock.offsetSeconds == EmulatorClock.maximumOffset)
        #expect(throws: EmulatorClock.AdvanceRefusal.tooFar) { try clock.checkedAdvance(by: 1) }
        #expect(clock.offsetSeconds == EmulatorClock.maximumOffset)
    }

    @Test(
        "the admin API answers 400 to 1e300, -1e300, 1e400 and NaN, and the clock still reads",
        arguments: ["1e300", "-1e300", "1e400", "NaN"]
    )
    func adminAdvance(seconds: String) async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            let response = try await http.sendJSONText(.POST, "/_emulator/v1/clock/advance", #"{"seconds": \#(seconds)}"#)
            #expect(response.status == 400)
            #expect(response.json["message"] is String)
            let clock = try await http.get("/_emulator/v1/clock")
            #expect(clock.status == 200)
            #expect(clock.json["offsetSeconds"] as? Double == 0)
        }
    }

    @Test("the admin API refuses to move the clock more than a hundred years ahead in total")
    func adminTotalBound() async throws {
        try await TestEmulator.run { emulator in
            let http = RawHTTP(emulator)
            for _ in 0..<10 {
                #expect(try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": EmulatorClock.maximumAdvance]).status == 200)
            }
            let past = try await http.postJSON("/_emulator/v1/clock/advance", ["seconds": 1])
            #expect(past.status == 400)
            #expect(past.json["message"] as? String == EmulatorClock.AdvanceRefusal.tooFar.description)
            #expect(try await http.get("/_emulator/v1/clock").status == 200)
        }
    }

    @Test(
        "the console's clock form answers 400 to 1e300, -1e300, nan and inf, and the clock still reads",
        arguments: ["1e300", "1e300d", "-1e300", "nan", "inf", "infd", "1e7000"]
    )
    func consoleAdvance(duration: String) async throws {
        try await TestEmulator.run { emulator in
            let response = try await ConsoleTests.post(
                emulator,
                "/clock/advance",
                [("duration", duration)],
                session: try await ConsoleTests.session(emulator)
            )
            #expect(response.status == 400)
            #expect(emulator.clock.offsetSeconds == 0)
            let http = RawHTTP(emulator)
            #expect(try await http.get("/_emulator/v1/clock").status == 200)
            #expect(try await http.get("/_emulator/console/clock").status == 200)
        }
    }
}
