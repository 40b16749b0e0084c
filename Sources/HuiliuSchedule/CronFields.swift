/// The parsed fields of a cron expression: the sets of wall-clock values it fires on.
struct CronFields: Hashable, Sendable {
    var seconds = ValueSet(0...0)
    var minutes = ValueSet(0...59)
    var hours = ValueSet(0...23)
    var dayOfMonth = DayOfMonthRule.any
    var months = ValueSet(1...12)
    var dayOfWeek = DayOfWeekRule.any
    /// Nil unless a seventh field restricts the year.
    var years: ValueSet?
    /// True for 6- and 7-field expressions, which step by seconds instead of minutes.
    var hasSeconds = false

    /// Which day rule a search applies; croniter searches each side of an OR on its own.
    enum DayMode: Sendable {
        case combined
        case dayOfMonthOnly
        case dayOfWeekOnly
    }

    /// True when a day matches if either day field matches (the Vixie/POSIX rule).
    var daysCombineWithOr: Bool {
        dayOfMonth.isRestricted && dayOfWeek.isRestricted && !dayOfWeek.requiresDayOfMonth
    }

    func dayMatches(year: Int, month: Int, day: Int, mode: DayMode = .combined) -> Bool {
        switch mode {
        case .dayOfMonthOnly:
            return dayOfMonth.matches(year: year, month: month, day: day)
        case .dayOfWeekOnly:
            return dayOfWeek.matches(year: year, month: month, day: day)
        case .combined:
            let byMonth = dayOfMonth.matches(year: year, month: month, day: day)
            let byWeek = dayOfWeek.matches(year: year, month: month, day: day)
            return daysCombineWithOr ? byMonth || byWeek : byMonth && byWeek
        }
    }

    func matches(_ t: CivilDateTime) -> Bool {
        (years?.contains(t.year) ?? true) && months.contains(t.month)
            && dayMatches(year: t.year, month: t.month, day: t.day)
            && hours.contains(t.hour) && minutes.contains(t.minute) && seconds.contains(t.second)
    }
}
