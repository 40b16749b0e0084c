import Glibc

/// Parses `Retry-After` (RFC 9110 §10.2.3): delay seconds or an HTTP date.
public enum RetryAfter {
    /// The delay `value` asks for, or `nil` if it is neither seconds nor an HTTP date (an
    /// IMF-fixdate, or the obsolete RFC 850 and asctime forms recipients must accept, RFC 9110 §5.6.7).
    /// - Parameters:
    ///   - value: the header value, such as `120` or `Wed, 21 Oct 2015 07:28:00 GMT`.
    ///   - now: seconds since 1970 to measure a date against; the default is the system clock.
    public static func parse(_ value: String, now: Int64? = nil) -> Duration? {
        let trimmed = value.trimmingSpaces
        if let seconds = Int64(trimmed) { return seconds >= 0 ? .seconds(seconds) : nil }
        guard let date = parseIMFFixdate(trimmed) ?? parseRFC850(trimmed) ?? parseAsctime(trimmed) else { return nil }
        let reference = now ?? Int64(time(nil))
        return .seconds(max(0, date - reference))
    }

    /// Seconds since 1970 for `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func parseIMFFixdate(_ text: Substring) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let month = CivilDate.month(abbreviation: parts[2])
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let h = Int(clock[0]), let m = Int(clock[1]), let s = Int(clock[2]) else { return nil }
        return CivilDate.days(year: year, month: month, day: day) * 86_400 + Int64(h * 3600 + m * 60 + s)
    }
}

extension RetryAfter {
    /// `Sunday, 06-Nov-94 08:49:37 GMT`: a two-digit year within 50 years of now, as RFC 9110 says.
    static func parseRFC850(_ text: Substring) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 4, parts[0].hasSuffix(","), parts[3] == "GMT" else { return nil }
        let date = parts[1].split(separator: "-")
        guard date.count == 3, let day = Int(date[0]), let yy = Int(date[2]), date[2].count == 2,
              let month = CivilDate.month(abbreviation: date[1]) else { return nil }
        let thisYear = 1970 + Int(time(nil) / 31_556_952)
        var year = thisYear / 100 * 100 + yy
        if year > thisYear + 50 { year -= 100 }
        return seconds(year: year, month: month, day: day, clock: parts[2])
    }

    /// `Sun Nov  6 08:49:37 1994` (C's asctime; the day may be padded with a space).
    static func parseAsctime(_ text: Substring) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 5, let month = CivilDate.month(abbreviation: parts[1]), let day = Int(parts[2]),
              let year = Int(parts[4]) else { return nil }
        return seconds(year: year, month: month, day: day, clock: parts[3])
    }

    private static func seconds(year: Int, month: Int, day: Int, clock text: Substring) -> Int64? {
        let clock = text.split(separator: ":")
        guard clock.count == 3, let h = Int(clock[0]), let m = Int(clock[1]), let s = Int(clock[2]) else { return nil }
        return CivilDate.days(year: year, month: month, day: day) * 86_400 + Int64(h * 3600 + m * 60 + s)
    }
}

extension StringProtocol {
    var trimmingSpaces: SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isSpace($0) })!
        return self[start...end]
    }
}
