/// What the day-of-month field asks for: plain days, the last day, or the weekday nearest a day.
struct DayOfMonthRule: Hashable, Sendable {
    /// Plain days 1-31; a day a month lacks simply never matches in that month.
    var days = ValueSet()
    /// `L`: the month's last day.
    var lastDay = false
    /// `15W`: the weekday nearest that day, clamped to the month's last day as croniter does.
    var nearestWeekdayTo: Int?
    /// `LW`: the last weekday (Mon-Fri) of the month.
    var lastWeekday = false
    /// False only for a bare `*` or `?`, which leave the day to the other field.
    var isRestricted = true

    static let any = DayOfMonthRule(days: ValueSet(1...31), isRestricted: false)

    func matches(year: Int, month: Int, day: Int) -> Bool {
        let last = CivilDateTime.daysInMonth(year: year, month: month)
        if days.contains(day) || (lastDay && day == last) { return true }
        if let target = nearestWeekdayTo, day == Self.nearestWeekday(to: target, year: year, month: month) {
            return true
        }
        return lastWeekday && day == Self.nearestWeekday(to: last, year: year, month: month)
    }

    /// The Mon-Fri day nearest `target` without leaving the month (Quartz and croniter agree).
    static func nearestWeekday(to target: Int, year: Int, month: Int) -> Int {
        let last = CivilDateTime.daysInMonth(year: year, month: month)
        let day = min(target, last)
        switch CivilDateTime.weekday(year: year, month: month, day: day) {
        case 6: return day > 1 ? day - 1 : day + 2        // Saturday: Friday, or Monday the 3rd
        case 0: return day < last ? day + 1 : day - 2     // Sunday: Monday, or Friday at month end
        default: return day
        }
    }
}

/// What the day-of-week field asks for: plain weekdays, the nth weekday, or the last one.
struct DayOfWeekRule: Hashable, Sendable {
    /// One weekday in one week of the month: `2#1` is the first Tuesday.
    struct Nth: Hashable, Sendable {
        var weekday: Int
        /// 1-5.
        var week: Int
    }

    /// Plain weekdays, 0 = Sunday … 6 = Saturday (7 is folded into 0 when parsed).
    var weekdays = ValueSet()
    var nth: Set<Nth> = []
    /// `5L`, `L5`, `FRI#L`: the last such weekday of the month.
    var lastOfMonth = ValueSet()
    /// False only for a bare `*` or `?`, which leave the day to the other field.
    var isRestricted = true
    /// OCPS 1.4's `+` prefix: both day fields must match, even when both are restricted.
    var requiresDayOfMonth = false

    static let any = DayOfWeekRule(weekdays: ValueSet(0...6), isRestricted: false)

    func matches(year: Int, month: Int, day: Int) -> Bool {
        let weekday = CivilDateTime.weekday(year: year, month: month, day: day)
        if weekdays.contains(weekday) { return true }
        if nth.contains(Nth(weekday: weekday, week: (day - 1) / 7 + 1)) { return true }
        return lastOfMonth.contains(weekday) && day + 7 > CivilDateTime.daysInMonth(year: year, month: month)
    }
}
