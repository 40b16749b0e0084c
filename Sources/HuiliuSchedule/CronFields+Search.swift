extension CronFields {
    /// The Gregorian calendar repeats every 400 years, so a search that finds nothing in that
    /// span never will.
    static let searchYears = 401

    /// The first wall time at or after `start` that the fields match, ignoring time zones.
    func firstMatch(atOrAfter start: CivilDateTime, mode: DayMode = .combined) -> CivilDateTime? {
        var t = start
        let lastYear = start.year + Self.searchYears
        while t.year <= lastYear {
            if let years, !years.contains(t.year) {
                guard let year = years.first(atLeast: t.year + 1, through: CronField.year.bounds.upperBound) else {
                    return nil
                }
                t = CivilDateTime(year: year, month: 1, day: 1)
                continue
            }
            guard let month = months.first(atLeast: t.month, through: 12) else {
                t = CivilDateTime(year: t.year + 1, month: 1, day: 1)
                continue
            }
            if month != t.month { t = CivilDateTime(year: t.year, month: month, day: 1) }

            let lastDay = CivilDateTime.daysInMonth(year: t.year, month: t.month)
            guard let day = (t.day...lastDay).first(where: { dayMatches(year: t.year, month: t.month, day: $0, mode: mode) }) else {
                t = t.month == 12
                    ? CivilDateTime(year: t.year + 1, month: 1, day: 1)
                    : CivilDateTime(year: t.year, month: t.month + 1, day: 1)
                continue
            }
            if day != t.day { t = CivilDateTime(year: t.year, month: t.month, day: day) }

            guard let hour = hours.first(atLeast: t.hour, through: 23) else {
                t = CivilDateTime(year: t.year, month: t.month, day: t.day).adding(seconds: 86_400)
                continue
            }
            if hour != t.hour { t = CivilDateTime(year: t.year, month: t.month, day: t.day, hour: hour) }

            guard let minute = minutes.first(atLeast: t.minute, through: 59) else {
                t = CivilDateTime(year: t.year, month: t.month, day: t.day, hour: t.hour).adding(seconds: 3600)
                continue
            }
            if minute != t.minute { t.minute = minute; t.second = 0 }

            guard let second = seconds.first(atLeast: t.second, through: 59) else {
                t.second = 0
                t = t.adding(seconds: 60)
                continue
            }
            t.second = second
            return t
        }
        return nil
    }

    /// The first match strictly after `wall`, on the field's grid: the next second for
    /// expressions with seconds, else the next whole minute (croniter drops the start's seconds).
    func firstMatch(after wall: CivilDateTime, mode: DayMode) -> CivilDateTime? {
        var start = wall.adding(seconds: hasSeconds ? 1 : 60)
        if !hasSeconds { start.second = 0 }
        return firstMatch(atOrAfter: start, mode: mode)
    }
}
