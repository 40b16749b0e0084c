import HuiliuCore

extension TimestampFormat {
    /// `seconds` (and `nanosecond`) since the epoch written in this format, in `zone`.
    func format(seconds instant: Int, nanosecond: Int, zone: TimeZoneRule) -> String {
        switch self {
        case .epochMilliseconds: return String(instant * 1000 + nanosecond / 1_000_000)
        case .epochSeconds: return String(instant)
        case .iso8601, .lenient, .chinese:
            let offset = zone.offset(at: instant)
            let local = CivilDateTime(secondsSinceEpoch: instant + offset, nanosecond: nanosecond)
            if case .chinese = self { return "\(local.year)年\(local.month)月\(local.day)日" }
            return local.rfc3339(offsetSeconds: offset)
        case .pattern(_, let parts):
            let offset = zone.offset(at: instant)
            let local = CivilDateTime(secondsSinceEpoch: instant + offset, nanosecond: nanosecond)
            var out = ""
            func field(_ n: Int, _ exact: Bool) { out += exact ? CivilCalendar.pad(n, 2) : String(n) }
            for part in parts {
                switch part {
                case .year: out += CivilCalendar.pad(local.year, 4)
                case .month(let exact): field(local.month, exact)
                case .day(let exact): field(local.day, exact)
                case .hour(let exact): field(local.hour, exact)
                case .minute(let exact): field(local.minute, exact)
                case .second(let exact): field(local.second, exact)
                case .fraction(let digits):
                    out += String(CivilCalendar.pad(local.nanosecond, 9).prefix(digits))
                case .offset:
                    if offset == 0 {
                        out += "Z"
                    } else {
                        let minutes = abs(offset) / 60
                        out += (offset < 0 ? "-" : "+") + CivilCalendar.pad(minutes / 60, 2) + ":" + CivilCalendar.pad(minutes % 60, 2)
                    }
                case .literal(let scalar): out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }
}

/// Reads and writes timestamps with the formats `parse_time` knows, for code outside
/// expressions (incremental cursors, request templates).
///
/// ```swift
/// let instant = try TimeText.instant(of: "2024-03-05 14:30:00", format: "yyyy-MM-dd HH:mm:ss")
/// TimeText.format(instant + 86_400, as: "yyyyMMdd")      // "20240306"
/// ```
public enum TimeText {
    /// Seconds since the epoch of `text`, read with `format` (the shape decides when `nil`)
    /// in `zone` (an IANA name or `+08:00`; the default is `Asia/Shanghai`).
    public static func instant(of text: String, format: String? = nil, zone: String? = nil) throws(ExpressionError) -> Int {
        let rule = try self.zone(zone)
        let formats = try format.map { name throws(ExpressionError) in [try TimestampFormat.named(name)] } ?? []
        return try TimestampParsing.instant(of: text, formats: formats, zone: rule).0
    }

    /// `seconds` since the epoch written as `format` (a pattern, `iso8601`, `epoch_ms` or
    /// `epoch_s`) in `zone` (the default is `Asia/Shanghai`).
    public static func format(_ seconds: Int, as format: String = "iso8601", zone: String? = nil) throws(ExpressionError) -> String {
        // Years 0001–9998 in any zone, as parse_time reads them: year 10000 came out as
        // ":000-01-01", and epoch milliseconds of a huge value overflowed.
        guard (-62_135_596_800 ... 253_370_764_800).contains(seconds) else {
            throw .invalidValue("\(seconds) seconds since 1970 is outside the years 0001–9998")
        }
        return try TimestampFormat.named(format).format(seconds: seconds, nanosecond: 0, zone: try self.zone(zone))
    }

    /// Checks that `format` is a format name or a valid pattern.
    public static func validate(format: String) throws(ExpressionError) {
        _ = try TimestampFormat.named(format)
    }

    /// Checks that `zone` names a time zone.
    public static func validate(zone: String) throws(ExpressionError) {
        _ = try self.zone(zone)
    }

    static func zone(_ name: String?) throws(ExpressionError) -> TimeZoneRule {
        guard let name else { return .shanghai }
        guard let rule = TimeZoneRule.named(name) else {
            throw .invalidValue("unknown time zone '\(name)': an IANA name such as Asia/Shanghai, or an offset such as +08:00 (abbreviations such as CST name more than one zone)")
        }
        return rule
    }
}

extension HuiliuFunctions {
    /// The literal check of a function taking `(value, formats, zone)`: its formats and zone
    /// written out are checked when the expression compiles.
    static func timeLiterals(_ function: String) -> @Sendable ([Value?]) throws(ExpressionError) -> Void {
        { literals throws(ExpressionError) in
            let formats = literals[safe: 1] ?? nil
            for case .string(let pattern) in formats.map({ $0.arrayValue ?? [$0] }) ?? [] {
                _ = try TimestampFormat.named(pattern, for: function)
            }
            if case .string(let zone)?? = literals[safe: 2] { _ = try TimeText.zone(zone) }
        }
    }

    static let formatting: [ExpressionFunction] = [
        ExpressionFunction(
            "format_time", [P("value", [.string, .number, .null]), P("format", .string), .optional("zone", [.string, .null])],
            returns: [.string, .null],
            summary: "A timestamp (read as `parse_time` reads it, in `zone`) written as `format`: a pattern such as `yyyy-MM-dd HH:mm:ss` or `yyyyMMdd`, or `iso8601`, `epoch_ms`, `epoch_s`; wall times are written in `zone` (the default is `Asia/Shanghai`). For request templates that need an API's own time format. `null` gives `null`.",
            example: Example("format_time('2024-03-05T06:30:00Z', 'yyyy-MM-dd HH:mm:ss')", result: "2024-03-05 14:30:00")
        ) { args throws(ExpressionError) in
            let rule: TimeZoneRule
            switch args.optional(2) {
            case .string(let name)?: rule = try TimeText.zone(name)
            default: rule = .shanghai
            }
            let parsed = try TimestampParsing.parseTime(args[0], formats: nil, zone: args.optional(2))
            guard case .string(let rfc3339) = parsed else { return .null }
            let (seconds, nanos) = try TimestampParsing.instant(of: rfc3339, formats: [.iso8601], zone: rule)
            let format = try TimestampFormat.named(args[1].stringValue!, for: "format_time")
            return .string(format.format(seconds: seconds, nanosecond: nanos, zone: rule))
        }.checkingLiterals(timeLiterals("format_time")),
    ]
}
