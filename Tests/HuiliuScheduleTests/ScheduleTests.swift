import Foundation
import HuiliuSchedule
import Testing

/// `Schedule`: cron or `@every`, with a zone; and `latestFire` for catching up.
struct ScheduleTests {
    static let anchor = RFC3339.parse("2026-03-02T09:00:00+08:00")!

    @Test(arguments: [("15m", 900), ("1h30m", 5400), ("10s", 10), ("1d", 86_400), ("2h", 7200), ("1m30s", 90), ("90M", 5400)])
    func everyDurations(_ text: String, _ seconds: Int64) throws {
        let schedule = try Schedule("@every \(text)")
        #expect(schedule.rule == .every(try #require(ScheduleInterval(seconds: seconds))))
    }

    @Test(arguments: [
        ("@every", "column 7: @every needs a duration, like @every 15m"),
        ("@every 15", "column 8: 15 needs a unit (d, h, m or s), like 15m"),
        ("@every 15x", "column 10: unexpected 'x' in the @every duration; write it like 1h30m, 15m or 10s"),
        ("@every 0s", "column 8: @every duration must be at least 1s"),
        ("@every h", "column 8: expected a number before 'h' in the @every duration"),
        ("@every 1h1h", "column 11: unit 'h' appears twice in the @every duration"),
        ("@every 1h 5m", "column 11: @every takes one duration, like @every 1h30m"),
        ("@every 999999999d", "column 8: @every duration 999999999d is longer than 100 years"),
        ("@every 99999999999999999999999s", "column 8: @every duration 99999999999999999999999s is longer than 100 years"),
        ("@Every 5m", "column 1: macros are lower-case: write @every, not @Every"),
    ])
    func everyRefusals(_ text: String, _ message: String) {
        #expect {
            try Schedule(text)
        } throws: { error in
            (error as? CronError)?.description == message
        }
    }

    @Test func everyFiresOnWholePeriodsAfterTheAnchor() throws {
        let interval = try #require(ScheduleInterval(seconds: 900))
        #expect(interval.next(after: Self.anchor, anchor: Self.anchor) == Self.anchor.addingTimeInterval(900))
        #expect(interval.next(after: Self.anchor.addingTimeInterval(899.5), anchor: Self.anchor) == Self.anchor.addingTimeInterval(900))
        #expect(interval.next(after: Self.anchor.addingTimeInterval(900), anchor: Self.anchor) == Self.anchor.addingTimeInterval(1800))
        #expect(interval.next(after: Self.anchor.addingTimeInterval(-5000), anchor: Self.anchor) == Self.anchor.addingTimeInterval(900))
        #expect(interval.description == "15m")
        #expect(ScheduleInterval(seconds: 93_784)?.description == "1d2h3m4s")
        #expect(ScheduleInterval(seconds: 0) == nil)
    }

    @Test func scheduleDefaultsToShanghai() throws {
        #expect(try Schedule("0 2 * * *").zone.identifier == "Asia/Shanghai")
        #expect(try Schedule("0 2 * * *").description == "0 2 * * *")
        #expect(try Schedule("@every 90m").description == "@every 1h30m")
    }

    @Test func scheduleRefusesExpressionsThatNeverFire() throws {
        let error = try #require(throws: CronError.self) { try Schedule("0 0 31 2 *") }
        #expect(error.code == .neverFires)
        #expect(error.description == "column 1: 0 0 31 2 * never fires: no date matches all of its fields")
        #expect(try Schedule("@reboot").runsAtStartup)
    }

    @Test func latestFireFindsTheLastTimeInTheSpan() throws {
        let hourly = try Schedule("0 * * * *")
        let start = RFC3339.parse("2026-03-02T05:00:00+08:00")!
        let end = RFC3339.parse("2026-03-02T09:20:00+08:00")!
        #expect(hourly.latestFire(after: start, through: end, anchor: start) == RFC3339.parse("2026-03-02T09:00:00+08:00"))
        #expect(hourly.latestFire(after: end, through: end.addingTimeInterval(60), anchor: start) == nil)
        // An end exactly on a fire time includes it.
        #expect(hourly.latestFire(after: start, through: RFC3339.parse("2026-03-02T06:00:00+08:00")!, anchor: start)
            == RFC3339.parse("2026-03-02T06:00:00+08:00"))
    }

    @Test func latestFireOverAYearOfSecondsIsQuick() throws {
        let everySecond = try Schedule("* * * * * *")
        let start = RFC3339.parse("2025-03-02T09:00:00+08:00")!
        let end = RFC3339.parse("2026-03-02T09:00:00.75+08:00")!
        #expect(everySecond.latestFire(after: start, through: end, anchor: start) == RFC3339.parse("2026-03-02T09:00:00+08:00"))
        let every = try Schedule("@every 7s")
        let latest = try #require(every.latestFire(after: start, through: end, anchor: start))
        #expect(latest <= end && latest.addingTimeInterval(7) > end)
        #expect(Int(latest.timeIntervalSince(start)) % 7 == 0)
    }
}
