import Foundation
import HuiliuSchedule
import Testing

/// `huiliu schedule next`, as a pure function.
struct ScheduleNextTests {
    static let now = RFC3339.parse("2026-11-28T12:00:00+08:00")!

    @Test func nextFireTimesInShanghaiByDefault() throws {
        #expect(try ScheduleNext.fireTimes("0 2 * * *", count: 3, now: Self.now) == [
            "2026-11-29T02:00:00+08:00", "2026-11-30T02:00:00+08:00", "2026-12-01T02:00:00+08:00",
        ])
        #expect(try ScheduleNext.fireTimes("@hourly", now: Self.now).count == 5)
    }

    @Test func fromAcceptsRFC3339OrAWallTimeInTheZone() throws {
        #expect(try ScheduleNext.fireTimes("0 2 * * *", from: "2026-11-28T18:30:00Z", count: 1, now: Self.now)
            == ["2026-11-30T02:00:00+08:00"])
        #expect(try ScheduleNext.fireTimes("0 9 * * *", from: "2026-03-28T12:00", count: 2, zone: "Europe/Berlin", now: Self.now)
            == ["2026-03-29T09:00:00+02:00", "2026-03-30T09:00:00+02:00"])
    }

    @Test func otherZonesPrintTheirOwnOffsets() throws {
        #expect(try ScheduleNext.fireTimes("30 2 * * *", from: "2026-03-07T12:00:00-05:00", count: 3,
                                           zone: "America/New_York", now: Self.now)
            == ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"])
        #expect(try ScheduleNext.fireTimes("0 0 * * *", count: 1, zone: "UTC", now: Self.now) == ["2026-11-29T00:00:00+00:00"])
    }

    /// `@every` periods count from midnight on the zone's wall clock, not from `--from`: the times
    /// a daemon (every gateway of a shared store) fires at.
    @Test func everyCountsFromMidnight() throws {
        #expect(try ScheduleNext.fireTimes("@every 1h30m", from: "2026-11-28T12:10:00+08:00", count: 2, now: Self.now)
            == ["2026-11-28T13:30:00+08:00", "2026-11-28T15:00:00+08:00"])
    }

    @Test func aYearFieldThatRunsOutGivesFewerLines() throws {
        #expect(try ScheduleNext.fireTimes("0 0 0 1 1 * 2027-2028", count: 5, now: Self.now)
            == ["2027-01-01T00:00:00+08:00", "2028-01-01T00:00:00+08:00"])
    }

    @Test func anInvalidExpressionPointsAtTheColumn() {
        #expect {
            try ScheduleNext.fireTimes("0 61 * * *", now: Self.now)
        } throws: { error in
            let error = error as! ScheduleNextError
            return error.description == """
                invalid schedule
                  0 61 * * *
                    ^
                column 3: hour value 61 is out of range 0-23
                """ && error.cronError?.column == 3
        }
    }

    @Test(arguments: [
        ("0 0 31 2 *", nil, nil, 5, "invalid schedule\n  0 0 31 2 *\n  ^\ncolumn 1: 0 0 31 2 * never fires: no date matches all of its fields"),
        ("@reboot", nil, nil, 5, "@reboot has no calendar fire times; it runs once when `huiliu serve` starts"),
        ("0 0 * * *", nil, "Mars/Olympus", 5, "unknown time zone 'Mars/Olympus'; expected an IANA name such as Asia/Shanghai"),
        ("0 0 * * *", nil, "CST", 5, "unknown time zone 'CST'; expected an IANA name such as Asia/Shanghai"),
        ("0 0 * * *", "yesterday", nil, 5, "cannot read --from 'yesterday'; expected RFC 3339 such as "
            + "2026-11-29T02:00:00+08:00, or a wall time such as 2026-11-29T02:00 in Asia/Shanghai"),
        ("0 0 * * *", nil, nil, 0, "--count must be between 1 and 1000, not 0"),
        ("0 0 0 1 1 * 2025", nil, nil, 5, "'0 0 0 1 1 * 2025' has no fire time after 2026-11-28T12:00:00+08:00"),
    ] as [(String, String?, String?, Int, String)])
    func refusals(_ expression: String, _ from: String?, _ zone: String?, _ count: Int, _ message: String) {
        #expect {
            try ScheduleNext.fireTimes(expression, from: from, count: count, zone: zone, now: Self.now)
        } throws: { error in
            "\(error)" == message
        }
    }
}
