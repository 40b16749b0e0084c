import HuiliuCore

/// What an XLSX cell's number format makes of its number: Excel keeps dates and times as
/// day serials and shows them through the format, so a date column is a date only if its
/// style says so.
enum XLSXDateStyle: Equatable {
    case date, dateTime, time

    /// The style of built-in format `id`, or of the custom format `code`: `nil` for a number.
    /// Elapsed-time formats (`[h]:mm:ss`) are durations, not times of day, and stay numbers.
    static func of(formatID id: Int, code: String?) -> XLSXDateStyle? {
        if let code { return of(code: code) }
        switch id {
        // ECMA-376 §18.8.30 and the East Asian built-ins (27–31, 36, 50–54, 57, 58 dates; 32 and
        // 33 times). 34, 35, 55 and 56 are times in a Chinese workbook but dates in a Japanese or
        // Korean one, and the workbook does not say which wrote it: read as both, nothing is lost.
        case 14...17, 27...31, 36, 50...54, 57, 58: return .date
        case 18...21, 32, 33, 45, 47: return .time
        case 22, 34, 35, 55, 56: return .dateTime
        default: return nil
        }
    }

    /// The style of a custom format code such as `yyyy"年"m"月"d"日"` or `yyyy-mm-dd hh:mm`.
    static func of(code: String) -> XLSXDateStyle? {
        var letters = ""
        var scalars = code.unicodeScalars.makeIterator()
        // Only the first section (positive numbers) is read; literal text is skipped.
        while let scalar = scalars.next() {
            switch scalar {
            case ";": break
            case "\"":
                while let next = scalars.next(), next != "\"" {}
                continue
            case "\\", "_", "*":
                _ = scalars.next()
                continue
            case "[":
                var inside = ""
                while let next = scalars.next(), next != "]" { inside.unicodeScalars.append(next) }
                // [h], [mm], [ss]: an elapsed duration. [Red], [$-804], [>100]: not letters of the format.
                if !inside.isEmpty, inside.lowercased().allSatisfy({ "hms".contains($0) }) { return nil }
                continue
            default:
                letters.unicodeScalars.append(scalar)
                continue
            }
            break
        }
        let lower = letters.lowercased()
        // "General" and "0.00E+00" have letters that are no date parts.
        if lower.contains("general") { return nil }
        let hasDate = lower.contains("y") || lower.contains("d")
        let hasTime = lower.contains("h") || lower.contains("s")
        switch (hasDate, hasTime) {
        case (true, true): return .dateTime
        case (true, false): return .date
        case (false, true): return .time
        case (false, false): return lower.contains("m") ? .date : nil  // mmm-yy without y is rare; mmmm alone is a month
        }
    }

    /// The text of day serial `serial` in this style: `2024-03-05`, `2024-03-05T12:00:00` or
    /// `12:00:00` (a wall time, with no offset: the workbook does not say which zone), to the
    /// second, cut rather than rounded: 23:59:59.6 is still its own day, as Excel shows it. `nil` for a serial that is no date of the workbook's system (negative, beyond
    /// 9999-12-31, or 1900-02-29, which the 1900 system counts but never was).
    func text(ofSerial serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        // Milliseconds first, to undo the binary fraction (0.5 s stored as 0.49999…), then whole seconds.
        let total = Int((serial * 86_400_000).rounded()) / 1000
        let whole = total / 86_400, second = total % 86_400
        let time = "\(CivilCalendar.pad(second / 3600, 2)):\(CivilCalendar.pad(second / 60 % 60, 2)):\(CivilCalendar.pad(second % 60, 2))"
        if self == .time { return time }
        // Day 0 of the 1900 system is no date (Excel shows 1900-01-00): a time of day alone.
        if whole == 0 && !date1904 && self == .dateTime { return time }
        guard let days = CivilCalendar.days(excelSerial: whole, date1904: date1904),
              CivilCalendar.civil(fromDays: days).year <= 9999 else { return nil }
        let date = CivilCalendar.dateText(days: days)
        return self == .date ? date : date + "T" + time
    }
}
