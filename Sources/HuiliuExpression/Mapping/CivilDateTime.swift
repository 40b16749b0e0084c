import HuiliuCore

/// A wall-clock date and time with no zone: what a timestamp's text says.
struct CivilDateTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0
    var nanosecond = 0

    /// True for a real Gregorian date (so 2024-02-29 but not 2023-02-29 or 2024-02-30).
    static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Why the fields do not name a real moment, or `nil` if they do.
    var problem: String? {
        guard (0...9999).contains(year) else { return "year \(year) is out of range" }
        guard (1...12).contains(month) else { return "month \(month) does not exist" }
        guard CivilDateTime.isValidDate(year: year, month: month, day: day) else {
            return "day \(day) does not exist in \(year)-\(CivilCalendar.pad(month, 2)), which has \(CivilDateTime.daysIn(month: month, year: year)) days"
        }
        guard (0...23).contains(hour) else { return "hour \(hour) is out of range" }
        guard (0...59).contains(minute) else { return "minute \(minute) is out of range" }
        guard (0...59).contains(second) else { return "second \(second) is out of range" }
        return nil
    }

    /// Seconds since 1970-01-01T00:00:00 reading the fields as UTC.
    var secondsSinceEpoch: Int {
        CivilDateTime.daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// The fields of `seconds` since the epoch, as UTC.
    init(secondsSinceEpoch seconds: Int, nanosecond: Int = 0) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        (year, month, day) = CivilDateTime.civilFromDays(days)
        hour = rest / 3_600
        minute = rest % 3_600 / 60
        second = rest % 60
        self.nanosecond = nanosecond
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        CivilCalendar.days(year: year, month: month, day: day)
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        CivilCalendar.civil(fromDays: days)
    }

    /// `2024-03-05T14:30:00+08:00`; fractions in groups of three digits when present,
    /// and `Z` for a zero offset. Written straight into the string's storage: this runs per record.
    func rfc3339(offsetSeconds offset: Int) -> String {
        String(unsafeUninitializedCapacity: 35) { out in
            var n = 0
            func put(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                var rest = value
                while divisor > 0 {
                    out[n] = UInt8(48 + rest / divisor)
                    n += 1
                    rest %= divisor
                    divisor /= 10
                }
            }
            func put(_ byte: Unicode.Scalar) {
                out[n] = UInt8(byte.value)
                n += 1
            }
            put(year, 4); put("-"); put(month, 2); put("-"); put(day, 2)
            put("T")
            put(hour, 2); put(":"); put(minute, 2); put(":"); put(second, 2)
            if nanosecond != 0 {
                put(".")
                if nanosecond % 1_000_000 == 0 { put(nanosecond / 1_000_000, 3) }
                else if nanosecond % 1_000 == 0 { put(nanosecond / 1_000, 6) }
                else { put(nanosecond, 9) }
            }
            if offset == 0 {
                put("Z")
            } else {
                let minutes = abs(offset) / 60
                put(offset < 0 ? "-" : "+")
                put(minutes / 60, 2); put(":"); put(minutes % 60, 2)
            }
            return n
        }
    }
}
