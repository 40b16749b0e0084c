public import Foundation

/// When a pipeline runs: a cron expression or an `@every` interval, and the zone its wall
/// clock is read in.
///
/// ```swift
/// let nightly = try Schedule("0 2 * * *")                       // Asia/Shanghai
/// let often = try Schedule("@every 15m")
/// let berlin = try Schedule("30 6 * * MON", zone: TimeZone(identifier: "Europe/Berlin")!)
/// ```
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    /// What decides the fire times.
    public enum Rule: Sendable, Hashable {
        /// Calendar times on the zone's wall clock.
        case cron(CronExpression)
        /// Fixed periods from an anchor instant; the zone does not change them.
        case every(ScheduleInterval)
    }

    /// The zone a schedule uses unless it names another. The default is Asia/Shanghai.
    public static let defaultZone = TimeZone(identifier: "Asia/Shanghai")!

    /// The cron expression or interval.
    public var rule: Rule
    /// The zone whose wall clock cron fields are read on, and fire times printed in.
    public var zone: TimeZone

    /// A schedule from a rule and a zone.
    public init(_ rule: Rule, zone: TimeZone = Schedule.defaultZone) {
        self.rule = rule
        self.zone = zone
    }

    /// Parses a cron expression or `@every <duration>`.
    ///
    /// Refuses a cron expression that can never fire (`0 0 31 2 *`): it is valid syntax, but as
    /// a pipeline schedule it is certainly a mistake.
    public init(_ text: String, zone: TimeZone = Schedule.defaultZone) throws(CronError) {
        let words = CronParser.words(of: text)
        if let first = words.first, first.text == "@every" {
            guard words.count == 2 else {
                let column = words.count > 2 ? words[2].column : text.unicodeScalars.count + 1
                throw CronError(words.count > 2 ? .fieldCount : .invalidInterval, column: column,
                                words.count > 2 ? "@every takes one duration, like @every 1h30m"
                                    : "@every needs a duration, like @every 15m")
            }
            self.init(.every(try ScheduleInterval(parsing: words[1].text, column: words[1].column)), zone: zone)
            return
        }
        let cron = try CronExpression(text)
        if !cron.runsAtStartup, !cron.canFire {
            throw CronError(.neverFires, column: words.first?.column ?? 1,
                            "\(text.trimmingCharacters(in: .whitespaces)) never fires: no date matches all of its fields")
        }
        self.init(.cron(cron), zone: zone)
    }

    /// Where `@every` periods count from when nothing has fired yet: midnight of 1 January 1970 on
    /// the zone's standard-time clock of today. Every gateway sharing a store then computes the same fire times
    /// (counted from when each loaded the pipeline, each had its own, and each won its claim), and
    /// an interval that divides a day falls on the same times each day: `@every 1d` at midnight,
    /// `@every 15m` on the quarter hours.
    public var defaultAnchor: Date {
        // The zone's standard offset now (daylight saving taken out), not its offset in 1970
        // (Singapore was +7:30 then): the same for every gateway, whatever the season.
        let now = Date()
        let standard = Double(zone.secondsFromGMT(for: now)) - zone.daylightSavingTimeOffset(for: now)
        return Date(timeIntervalSince1970: -standard)
    }

    /// True for `@reboot`: one run when the daemon starts, none on the calendar.
    public var runsAtStartup: Bool {
        if case .cron(let cron) = rule { return cron.runsAtStartup }
        return false
    }

    /// The first fire time strictly after `date`; `anchor` places `@every` periods.
    public func next(after date: Date, anchor: Date) -> Date? {
        switch rule {
        case .cron(let cron): cron.next(after: date, in: zone)
        case .every(let interval): interval.next(after: date, anchor: anchor)
        }
    }

    /// What to record as the last fire time for `fire` to count as missed after a restart: the
    /// fire an interval before it (intervals are counted from the last fire, so its phase is
    /// kept), a second before it for a cron expression.
    public func recordedBefore(_ fire: Date) -> Date {
        switch rule {
        case .cron: fire.addingTimeInterval(-1)
        case .every(let interval): fire.addingTimeInterval(-Double(interval.seconds))
        }
    }

    public var description: String {
        switch rule {
        case .cron(let cron): cron.text
        case .every(let interval): "@every \(interval)"
        }
    }
}
