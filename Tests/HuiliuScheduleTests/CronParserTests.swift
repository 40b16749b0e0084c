import Foundation
import HuiliuSchedule
import Testing

/// The dialect the parser accepts, and the column, field and message of what it refuses.
struct CronParserTests {
    struct Refusal: Sendable, CustomTestStringConvertible {
        let expression: String
        let error: String
        let field: CronField?
        var testDescription: String { expression }
        init(_ expression: String, _ error: String, _ field: CronField? = nil) {
            (self.expression, self.error, self.field) = (expression, error, field)
        }
    }

    static let refusals: [Refusal] = [
        Refusal("0,15,30,61 * * * *", "column 9: minute value 61 is out of range 0-59", .minute),
        Refusal("*/5 0-5,61 * * *", "column 9: hour value 61 is out of range 0-23", .hour),
        Refusal("61 * * * *", "column 1: minute value 61 is out of range 0-59", .minute),
        Refusal("0 0 * * 8", "column 9: day-of-week value 8 is out of range 0-7", .dayOfWeek),
        Refusal("0 0 0 * *", "column 5: day-of-month value 0 is out of range 1-31", .dayOfMonth),
        Refusal("0 0 * 13 *", "column 7: month value 13 is out of range 1-12", .month),
        Refusal("60 0 0 1 1 * 2025", "column 1: second value 60 is out of range 0-59", .second),
        Refusal("0 0 0 1 1 * 2200", "column 13: year value 2200 is out of range 1970-2199", .year),
        Refusal("* * * *", "column 8: expected 5, 6 or 7 fields (minute hour day-of-month month day-of-week, "
            + "with seconds first and a year last), found 4"),
        Refusal("* * * * * * * *", "column 15: expected 5, 6 or 7 fields (minute hour day-of-month month "
            + "day-of-week, with seconds first and a year last), found 8"),
        Refusal("", "column 1: expected 5, 6 or 7 fields (minute hour day-of-month month day-of-week, "
            + "with seconds first and a year last), found 0"),
        Refusal("0 0 10-5 * *", "column 5: day-of-month range 10-5 runs backwards; write the smaller value first", .dayOfMonth),
        Refusal("0 0 /30 * *", "column 5: a day-of-month step needs a start: write */30 or 1/30", .dayOfMonth),
        Refusal("*/0 * * * *", "column 3: minute step must be at least 1, found 0", .minute),
        Refusal("*/x * * * *", "column 3: minute step 'x' is not a whole number", .minute),
        Refusal("1/2/3 * * * *", "column 4: a minute item takes at most one '/'", .minute),
        Refusal("0 0 * * FOO", "column 9: unknown day-of-week name 'FOO'; expected a weekday 0-7 or SUN-SAT", .dayOfWeek),
        Refusal("0 0 * JANUARY *", "column 7: unknown month name 'JANUARY'; expected a month 1-12 or JAN-DEC", .month),
        Refusal("JAN 0 * * *", "column 1: expected a number 0-59 in the minute field, found 'JAN'", .minute),
        Refusal("0 0 1,,2 * *", "column 7: empty day-of-month value; expected a number 1-31", .dayOfMonth),
        Refusal("? 12 * * *", "column 1: '?' is only allowed in the day-of-month and day-of-week fields", .minute),
        Refusal("0 0 1? * *", "column 6: '?' must stand alone in the day-of-month field", .dayOfMonth),
        Refusal("0 12 +1 * MON", "column 6: '+' may only prefix the day-of-week field (+MON)", .dayOfMonth),
        Refusal("0 12 1-15W * *", "column 6: W takes a single day (15W), not '1-15W'", .dayOfMonth),
        Refusal("0 12 1,15W * *", "column 8: W takes a single day (15W), not a list", .dayOfMonth),
        Refusal("0 0 * * L", "column 9: L in the day-of-week field needs a weekday: 5L is the last Friday", .dayOfWeek),
        Refusal("0 0 * * 1#6", "column 11: week '6' after # must be 1-5 or L", .dayOfWeek),
        Refusal("0 0 * * 1-5#2", "column 10: # takes a single weekday, not a range or step", .dayOfWeek),
        Refusal("@Daily", "column 1: macros are lower-case: write @daily, not @Daily"),
        Refusal("  @fortnightly", "column 3: unknown macro @fortnightly (expected @yearly, @annually, @monthly, "
            + "@weekly, @daily, @midnight, @hourly or @reboot)"),
        Refusal("@daily 0 0 * * *", "column 8: @daily stands alone; found more text after it"),
        Refusal("@every 5m", "column 1: @every is an interval, not a cron expression; give it as a pipeline schedule"),
    ]

    @Test(arguments: refusals)
    func refuses(_ refusal: Refusal) {
        #expect {
            try CronExpression(refusal.expression)
        } throws: { error in
            let error = error as! CronError
            return error.description == refusal.error && error.field == refusal.field
        }
    }

    @Test func errorCarriesColumnFieldAndCode() throws {
        let error = try #require(throws: CronError.self) { try CronExpression("0 0 * * 8") }
        #expect(error.column == 9)
        #expect(error.field == .dayOfWeek)
        #expect(error.code == .outOfRange)
        #expect(error.message == "day-of-week value 8 is out of range 0-7")
    }

    @Test(arguments: [
        "*/15 * * * *", "1-30/5 * * * *", "5/10 * * * *", "0 9-17 * * MON-FRI", "0 0 * jan-Mar sun",
        "0 0 L * *", "0 0 LW * *", "0 0 15W * *", "0 0 ? * 2#1", "0 0 * * FRI#L", "0 0 * * 5L", "0 0 * * L5",
        "0 0 * * 7", "0 12 1 * +MON", "30 15 10 * * *", "0 15 10 * * * 2025", "@yearly", "@annually",
        "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@reboot", "\t0  0 * * *  ", "*/90 * * * *",
    ])
    func accepts(_ expression: String) {
        #expect(throws: Never.self) { try CronExpression(expression) }
    }

    @Test func macrosMeanTheirExpansions() throws {
        let pairs = [("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
                     ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@hourly", "0 * * * *")]
        for (macro, fields) in pairs {
            #expect(try CronExpression(macro).isEquivalent(to: CronExpression(fields)), "\(macro)")
        }
        #expect(try !CronExpression("@daily").isEquivalent(to: CronExpression("@hourly")))
    }

    @Test func spellingsOfOneScheduleAreEquivalent() throws {
        let groups = [
            ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 * * sun", "0 0 ? * 0"],
            ["0 0 * * 5L", "0 0 * * L5", "0 0 * * FRI#L", "0 0 * * fri#l"],
            ["*/20 * * * *", "0,20,40 * * * *", "0-59/20 * * * *", "0/20 * * * *"],
            ["0 0 1 JAN-MAR *", "0 0 1 1-3 *", "0 0 1 jan,feb,MAR *"],
        ]
        for group in groups {
            let first = try CronExpression(group[0])
            for other in group.dropFirst() {
                #expect(try first.isEquivalent(to: CronExpression(other)), "\(group[0]) ~ \(other)")
            }
        }
    }

    @Test func stepsCoverTheirRange() throws {
        let cron = try CronExpression("0 0 * * */2")   // Sun, Tue, Thu, Sat
        #expect([1, 3, 5, 7].allSatisfy { cron.matches(year: 2026, month: 3, day: $0, hour: 0, minute: 0) })
        #expect(![2, 4, 6].contains { cron.matches(year: 2026, month: 3, day: $0, hour: 0, minute: 0) })
        let minutes = try CronExpression("5/25 * * * *")
        #expect((0..<60).filter { minutes.matches(year: 2026, month: 3, day: 1, hour: 0, minute: $0) } == [5, 30, 55])
    }

    @Test func dayFieldsCombineWithOrUnlessPlusAsksForAnd() throws {
        // 2026-03-01 is a Sunday; 2026-03-02 a Monday; 2026-04-01 a Wednesday.
        let or = try CronExpression("0 12 1 * MON")
        let and = try CronExpression("0 12 1 * +MON")
        #expect(or.matches(year: 2026, month: 4, day: 1, hour: 12, minute: 0))
        #expect(or.matches(year: 2026, month: 3, day: 2, hour: 12, minute: 0))
        #expect(!and.matches(year: 2026, month: 4, day: 1, hour: 12, minute: 0))
        #expect(!and.matches(year: 2026, month: 3, day: 2, hour: 12, minute: 0))
        #expect(and.matches(year: 2026, month: 6, day: 1, hour: 12, minute: 0))
    }

    @Test func dayFieldRestrictionFollowsCroniter() throws {
        // A bare `*` list item leaves the day to the other field…
        let starItem = try CronExpression("0 0 *,5 * MON")
        #expect(!starItem.matches(year: 2026, month: 3, day: 5, hour: 0, minute: 0))
        // …and so does a field naming every day when the other field's text has a `*`.
        let fullRange = try CronExpression("0 0 1-31 * */2")
        #expect(!fullRange.matches(year: 2026, month: 3, day: 2, hour: 0, minute: 0))
        #expect(fullRange.matches(year: 2026, month: 3, day: 3, hour: 0, minute: 0))
    }

    @Test func nearestWeekdayStaysInTheMonth() throws {
        // 2026-08-01 is a Saturday, 2026-05-31 a Sunday.
        let first = try CronExpression("0 0 1W * *")
        #expect(first.matches(year: 2026, month: 8, day: 3, hour: 0, minute: 0))
        let last = try CronExpression("0 0 LW * *")
        #expect(last.matches(year: 2026, month: 5, day: 29, hour: 0, minute: 0))
        let clamped = try CronExpression("0 0 31W * *")   // croniter clamps to the last day
        #expect(clamped.matches(year: 2026, month: 4, day: 30, hour: 0, minute: 0))
    }

    @Test func canFireTellsImpossibleDatesApart() throws {
        #expect(try CronExpression("* * 31 2 *").canFire == false)
        #expect(try CronExpression("0 0 30 2 *").canFire == false)
        #expect(try CronExpression("0 0 29 2 *").canFire)
        #expect(try CronExpression("0 0 31 2 MON").canFire)      // OR: any Monday in February
        #expect(try CronExpression("0 0 31 2 +MON").canFire == false)
        #expect(try CronExpression("@reboot").canFire == false)
        #expect(try CronExpression("0 0 0 1 1 * 2030").hasSeconds)
    }

    @Test func textAndDescriptionKeepTheSpelling() throws {
        let cron = try CronExpression("0 9 * * mon")
        #expect(cron.text == "0 9 * * mon")
        #expect("\(cron)" == "0 9 * * mon")
    }

    @Test func matchesAnInstantOnTheZonesWallClock() throws {
        let cron = try CronExpression("0 2 * * *")
        #expect(cron.matches(try #require(RFC3339.parse("2026-11-29T02:00:00+08:00")), in: Schedule.defaultZone))
        #expect(!cron.matches(try #require(RFC3339.parse("2026-11-29T02:00:00+09:00")), in: Schedule.defaultZone))
        #expect(!cron.matches(year: 2026, month: 2, day: 30, hour: 2, minute: 0))
        #expect(!cron.matches(year: 2026, month: 3, day: 1, hour: 2, minute: 0, second: 1))
    }

    @Test func secondsAndYearFieldsStepBySeconds() throws {
        let start = try #require(RFC3339.parse("2026-03-02T09:00:59.5+08:00"))
        let everyTwentySeconds = try CronExpression("*/20 * * * * *")
        #expect(everyTwentySeconds.fireTimes(after: start, in: Schedule.defaultZone).prefix(3).map {
            RFC3339.format($0, in: Schedule.defaultZone)
        } == ["2026-03-02T09:01:00+08:00", "2026-03-02T09:01:20+08:00", "2026-03-02T09:01:40+08:00"])
        let leapDays = try CronExpression("0 0 0 29 2 * 2028-2199/4")
        #expect(leapDays.fireTimes(after: start, in: Schedule.defaultZone).prefix(2).map {
            RFC3339.format($0, in: Schedule.defaultZone)
        } == ["2028-02-29T00:00:00+08:00", "2032-02-29T00:00:00+08:00"])
        #expect(try CronExpression("0 0 0 1 1 * 2025").next(after: start, in: Schedule.defaultZone) == nil)
    }
}
