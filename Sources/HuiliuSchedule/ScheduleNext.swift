import HuiliuCore
public import Foundation

/// `huiliu schedule next EXPRESSION [--from TIME] [--count N] [--zone ZONE]`, without the I/O.
public enum ScheduleNext {
    /// The next `count` fire times of `expression`, as RFC 3339 text with the zone's offset.
    ///
    /// ```swift
    /// try ScheduleNext.fireTimes("0 2 * * *", from: "2026-11-28T12:00:00+08:00", count: 1, now: .now)
    /// // ["2026-11-29T02:00:00+08:00"]
    /// ```
    /// - Parameters:
    ///   - expression: A cron expression, macro or `@every <duration>`.
    ///   - from: RFC 3339 (`2026-11-28T12:00:00+08:00`) or a wall time in `zone`
    ///     (`2026-11-28T12:00`); `now` when nil. `@every` counts its periods from here.
    ///   - count: How many fire times, 1-1000. The default is 5.
    ///   - zone: An IANA zone name. The default is Asia/Shanghai.
    ///   - now: The current time, injected.
    /// - Returns: Fewer than `count` lines only when a year field runs out.
    public static func fireTimes(
        _ expression: String, from: String? = nil, count: Int = 5, zone: String? = nil, now: Date
    ) throws(ScheduleNextError) -> [String] {
        guard (1...1000).contains(count) else {
            throw ScheduleNextError("--count must be between 1 and 1000, not \(count)")
        }
        let timeZone: TimeZone
        if let zone {
            guard let named = TimeZone(named: zone) else {
                throw ScheduleNextError("unknown time zone '\(zone)'; expected an IANA name such as Asia/Shanghai")
            }
            timeZone = named
        } else {
            timeZone = Schedule.defaultZone
        }
        var start = now
        if let from {
            guard let parsed = RFC3339.parse(from, localZone: timeZone) else {
                throw ScheduleNextError("cannot read --from '\(from)'; expected RFC 3339 such as "
                    + "2026-11-29T02:00:00+08:00, or a wall time such as 2026-11-29T02:00 in \(timeZone.identifier)")
            }
            start = parsed
        }
        let schedule: Schedule
        do {
            schedule = try Schedule(expression, zone: timeZone)
        } catch {
            throw ScheduleNextError(expression: expression, error)
        }
        if schedule.runsAtStartup {
            throw ScheduleNextError("@reboot has no calendar fire times; it runs once when `huiliu serve` starts")
        }
        let lines = schedule.fireTimes(after: start).prefix(count).map { RFC3339.format($0, in: timeZone) }
        if lines.isEmpty {
            throw ScheduleNextError("'\(expression)' has no fire time after \(RFC3339.format(start, in: timeZone))")
        }
        return lines
    }
}

/// Why `huiliu schedule next` could not answer; `description` is what the command prints.
public struct ScheduleNextError: Error, Sendable, CustomStringConvertible {
    /// The parse fault, when the expression itself was wrong.
    public let cronError: CronError?
    /// The text to print: for a bad expression, the expression, a caret under the column, and
    /// the message.
    public let description: String

    init(_ message: String) {
        cronError = nil
        description = message
    }

    init(expression: String, _ error: CronError) {
        cronError = error
        let caret = String(repeating: " ", count: max(0, error.column - 1)) + "^"
        description = "invalid schedule\n  \(expression)\n  \(caret)\n\(error)"
    }
}
