import HuiliuRegex
/// RFC 3339 `full-date`, `full-time` and `date-time`, checked byte by byte.
///
/// Exactly the RFC 3339 §5.6 grammar: four-digit years, two-digit fields, `T`/`Z` in either
/// case, a mandatory offset on times, and a leap second only where it can occur (23:59:60
/// in UTC, after applying the offset). ISO 8601 variants such as `20230328` are refused.
enum DateTimeFormat {
    static func isDate(_ text: String) -> Bool {
        withUTF8(text) { bytes in bytes.count == 10 && parseDate(bytes, 0) != nil }
    }

    static func isTime(_ text: String) -> Bool {
        withUTF8(text) { bytes in parseTime(bytes, 0) == bytes.count }
    }

    static func isDateTime(_ text: String) -> Bool {
        withUTF8(text) { bytes in
            guard bytes.count >= 20, parseDate(bytes, 0) != nil, bytes[10] | 0x20 == UInt8(ascii: "t") else {
                return false
            }
            return parseTime(bytes, 11) == bytes.count
        }
    }

    /// The value of `count` ASCII digits at `at`, or `nil`.
    @inline(__always)
    static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int? {
        guard at + count <= bytes.count else { return nil }
        var value = 0
        for k in at..<(at + count) {
            let d = bytes[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    /// Parses `YYYY-MM-DD` at `at`; returns (year, month, day) when the day exists.
    static func parseDate(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> (Int, Int, Int)? {
        guard let year = digits(bytes, at, 4), at + 10 <= bytes.count, bytes[at + 4] == UInt8(ascii: "-"),
              let month = digits(bytes, at + 5, 2), bytes[at + 7] == UInt8(ascii: "-"),
              let day = digits(bytes, at + 8, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return (year, month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `hh:mm:ss[.frac](Z|±hh:mm)` at `at`; returns the offset just past it.
    static func parseTime(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int? {
        guard let hour = digits(bytes, at, 2), at + 8 <= bytes.count, bytes[at + 2] == UInt8(ascii: ":"),
              let minute = digits(bytes, at + 3, 2), bytes[at + 5] == UInt8(ascii: ":"),
              let second = digits(bytes, at + 6, 2),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = at + 8
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < bytes.count, bytes[i] &- UInt8(ascii: "0") < 10 { i += 1 }
            guard i > start else { return nil }
        }
        guard i < bytes.count else { return nil }
        var offsetMinutes = 0
        if bytes[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(bytes, i + 1, 2), i + 6 <= bytes.count, bytes[i + 3] == UInt8(ascii: ":"),
                  let om = digits(bytes, i + 4, 2), oh <= 23, om <= 59 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
            i += 6
        } else {
            return nil
        }
        if second == 60 {
            // A leap second is inserted at 23:59:60 UTC only.
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            guard utc == 23 * 60 + 59 else { return nil }
        }
        return i
    }
}

/// RFC 3339 timestamps, as the schema's `date-time` format checks them.
public enum RFC3339 {
    /// True for a full `date-time` (`2024-03-05T14:30:00+08:00`).
    public static func isDateTime(_ text: String) -> Bool {
        DateTimeFormat.isDateTime(text)
    }

    /// True for a `date-time` every sink stores as a timestamp. RFC 3339 allows year 0000 and
    /// offsets up to ±23:59, which PostgreSQL's `timestamptz` refuses: one such event failed its
    /// whole batch, run after run.
    public static func isEventTime(_ text: String) -> Bool {
        guard isDateTime(text), !text.hasPrefix("0000") else { return false }
        let scalars = Array(text.unicodeScalars)
        if let last = scalars.last, last == "Z" || last == "z" { return true }
        // `…±HH:MM`: the offset's hours are the fifth and fourth scalars from the end.
        let hours = scalars.count >= 6 ? Int(String(String.UnicodeScalarView(scalars[(scalars.count - 5)..<(scalars.count - 3)]))) : nil
        return (hours ?? 99) < 16
    }
}
