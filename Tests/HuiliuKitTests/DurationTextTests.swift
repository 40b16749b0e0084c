import HuiliuKit
import Testing

/// Durations as configuration writes them, and back.
struct DurationTextTests {
    @Test(arguments: ["1h30m", "250ms", "1d", "5m", "2d3h4m5s6ms", "0s"])
    func roundTrips(text: String) {
        #expect(Duration(configText: text)?.configText == text)
    }
}
