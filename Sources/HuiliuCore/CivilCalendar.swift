/// Proleptic Gregorian date arithmetic without Foundation: days since 1970-01-01 and back
/// (Howard Hinnant's `days_from_civil` and `civil_from_days`), exact for any year.
public enum CivilCalendar {
    /// Days since 1970-01-01 of a calendar date.
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar date `days` after 1970-01-01.
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The days since 1970-01-01 of whole Excel day serial `serial`: in the 1900 system 1 is
    /// 1900-01-01 and, past the 29 February 1900 Excel counts but that never was (60, `nil`),
    /// days count from 1899-12-30; in the 1904 system 0 is 1904-01-01. `nil` below the first day.
    public static func days(excelSerial serial: Int, date1904: Bool = false) -> Int? {
        if date1904 { return serial >= 0 ? days(year: 1904, month: 1, day: 1) + serial : nil }
        guard serial >= 1, serial != 60 else { return nil }
        return days(year: 1899, month: 12, day: serial < 60 ? 31 : 30) + serial
    }

    /// `2024-03-05`: the date `days` after 1970-01-01.
    public static func dateText(days: Int) -> String {
        let (year, month, day) = civil(fromDays: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `n` in decimal, zero-padded to `width` digits: the fields of `2024-03-05T08:00:00`.
    public static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// True for leap years of the Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in a month (1–12) of a year.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
