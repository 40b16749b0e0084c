import Foundation
import HuiliuSchedule
import Testing

struct RFC3339Tests {
    @Test func formatsWithTheZonesOffset() throws {
        let instant = Date(timeIntervalSince1970: 1_795_888_800)   // 2026-11-28T18:00:00Z
        #expect(RFC3339.format(instant, in: Schedule.defaultZone) == "2026-11-29T02:00:00+08:00")
        #expect(RFC3339.format(instant, in: try #require(TimeZone(identifier: "America/St_Johns"))) == "2026-11-28T14:30:00-03:30")
        #expect(RFC3339.format(instant.addingTimeInterval(0.9), in: try #require(TimeZone(identifier: "UTC"))) == "2026-11-28T18:00:00+00:00")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1), in: try #require(TimeZone(identifier: "UTC"))) == "1969-12-31T23:59:59+00:00")
    }

    @Test func parsesOffsetsZuluFractionsAndSpaces() {
        let expected = Date(timeIntervalSince1970: 1_795_888_800)
        #expect(RFC3339.parse("2026-11-29T02:00:00+08:00") == expected)
        #expect(RFC3339.parse("2026-11-28T18:00:00Z") == expected)
        #expect(RFC3339.parse("2026-11-28 18:00:00z") == expected)
        #expect(RFC3339.parse("2026-11-28T13:00:00-05:00") == expected)
        #expect(RFC3339.parse("2026-11-28T18:00:00.250Z") == expected.addingTimeInterval(0.25))
        #expect(RFC3339.parse("2026-11-28T18:00Z") == expected)
    }

    @Test func wallTimesNeedAZone() throws {
        #expect(RFC3339.parse("2026-11-29T02:00") == nil)
        #expect(RFC3339.parse("2026-11-29T02:00", localZone: Schedule.defaultZone) == Date(timeIntervalSince1970: 1_795_888_800))
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 02:30 does not exist on 2026-03-08; 01:30 on 2026-11-01 happens twice (the first is taken).
        #expect(RFC3339.parse("2026-03-08T02:30", localZone: newYork) == nil)
        #expect(RFC3339.parse("2026-11-01T01:30", localZone: newYork) == RFC3339.parse("2026-11-01T01:30:00-04:00"))
    }

    @Test(arguments: ["", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T02:00:00+0800",
                      "2026-11-29T02:00:00.Z", "2026-11-29X02:00:00Z", "tomorrow"])
    func refusesMalformedText(_ text: String) {
        #expect(RFC3339.parse(text, localZone: Schedule.defaultZone) == nil)
    }
}
