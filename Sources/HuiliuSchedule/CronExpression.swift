public import Foundation

/// A parsed cron expression: when a pipeline fires, on some zone's wall clock.
///
/// ```swift
/// let cron = try CronExpression("0 2 * * MON-FRI")
/// let next = cron.next(after: .now, in: TimeZone(identifier: "Asia/Shanghai")!)
/// ```
///
/// Five fields (minute hour day-of-month month day-of-week), or six and seven with seconds
/// first and a year last (1970-2199). Next-fire times follow croniter 7.0.0, the reference the
/// conformance vectors were made with, including its daylight-saving handling.
///
/// Day-of-month and day-of-week combine with OR when both are restricted, and `+` before
/// day-of-week asks for AND instead (OCPS 1.4). As in croniter, a day field is unrestricted
/// when it is `?` or has a bare `*` item, or when it names every day and the other day field's
/// text contains a `*`; so `*/2` restricts, unlike in Vixie cron. `L`, `W` and `#` are plain
/// day conditions inside that rule (`0 0 1 * MON#1` is the 1st OR the first Monday), where
/// croniter instead lets them override the other field.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let text: String
    /// The matching sets; nil for `@reboot`, which has no calendar times.
    let fields: CronFields?

    /// Parses `text`, or says at which column and in which field it goes wrong.
    public init(_ text: String) throws(CronError) {
        self.text = text
        self.fields = try CronParser.parse(text)
    }

    public var description: String { text }

    /// True for `@reboot`: the expression fires once at start-up and never on the calendar.
    public var runsAtStartup: Bool { fields == nil }

    /// True when the expression has a seconds field, so fire times fall on any second.
    public var hasSeconds: Bool { fields?.hasSeconds ?? false }

    /// The first fire time strictly after `date`, on the wall clock of `zone`.
    ///
    /// The start's seconds are dropped for five-field expressions. Returns nil when the
    /// expression never fires again: `@reboot`, an impossible date such as `0 0 31 2 *`, or a
    /// year field that has run out.
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        fields?.next(after: date, in: zone)
    }

    /// The fire times after `date`, in order, computed as they are read.
    public func fireTimes(after date: Date, in zone: TimeZone) -> FireTimes {
        FireTimes(schedule: Schedule(.cron(self), zone: zone), after: date, anchor: date)
    }

    /// True when the expression can fire at all; false for `0 0 31 2 *` or `@reboot`.
    public var canFire: Bool {
        guard let fields else { return false }
        let start = CivilDateTime(year: CronField.year.bounds.lowerBound, month: 1, day: 1)
        return fields.firstMatch(atOrAfter: start) != nil
    }

    /// True when the wall-clock reading matches every field (seconds must be 0 without a
    /// seconds field).
    public func matches(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int = 0) -> Bool {
        guard let fields, (1...12).contains(month),
              (1...CivilDateTime.daysInMonth(year: year, month: month)).contains(day) else { return false }
        return fields.matches(CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    /// True when `date`, read on the wall clock of `zone`, matches every field.
    public func matches(_ date: Date, in zone: TimeZone) -> Bool {
        let wall = zone.wallClock(at: Int64(date.timeIntervalSince1970.rounded(.down))).time
        return matches(year: wall.year, month: wall.month, day: wall.day,
                       hour: wall.hour, minute: wall.minute, second: wall.second)
    }

    /// True when both expressions fire at the same times, however they are written
    /// (`@daily` and `0 0 * * *`).
    public func isEquivalent(to other: CronExpression) -> Bool {
        fields == other.fields
    }

    /// Equal when the text is; `isEquivalent(to:)` compares what the expressions mean.
    public static func == (a: CronExpression, b: CronExpression) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
