import HuiliuCore

/// `parse_time()`: reads a timestamp in one of several formats and writes it as
/// RFC 3339 in a chosen zone.
enum TimestampParsing {
    /// Formats tried, by shape, when the caller names none.
    private static let compactDate = try! TimestampFormat("yyyyMMdd")
    private static let compactMinute = try! TimestampFormat("yyyyMMddHHmm")
    private static let compactSecond = try! TimestampFormat("yyyyMMddHHmmss")
    private static let compactMillisecond = try! TimestampFormat("yyyyMMddHHmmssSSS")

    /// The RFC 3339 text for `value`, or `null` for `null` and blank strings.
    /// - Parameters:
    ///   - value: a string, or a number read by the shape of its whole part as text is (10 digits
    ///     below 2000000000 epoch seconds, 13 epoch milliseconds, 8, 14 or 17 a date without a fraction, negative
    ///     epoch milliseconds; any other shape refused, as it could be read more than one way),
    ///     or whatever `formats` says.
    ///   - formats: a format name or pattern, or an array of them tried in order; `nil`
    ///     (or `null`) detects the format from the value's shape.
    ///   - zone: where wall times without an offset are read, and where the result is
    ///     rendered; `nil` (or `null`) means `Asia/Shanghai`.
    static func parseTime(_ value: Value, formats: Value?, zone: Value?) throws(ExpressionError) -> Value {
        let rule: TimeZoneRule
        switch zone {
        case nil, .null?: rule = .shanghai
        case .string(let name)?:
            guard let resolved = TimeZoneRule.named(name) else {
                throw .invalidValue("parse_time(): unknown time zone '\(name)'")
            }
            rule = resolved
        default: throw .invalidType("parse_time() zone must be a string")
        }
        var candidates: [TimestampFormat]?
        switch formats {
        case nil, .null?: candidates = nil
        case .string(let name)?: candidates = [try TimestampFormat.named(name)]
        case .array(let names)?:
            var list: [TimestampFormat] = []
            for name in names {
                guard case .string(let text) = name else { throw .invalidType("parse_time() formats must be strings") }
                list.append(try TimestampFormat.named(text))
            }
            // An empty list means the same as none: detect the format.
            candidates = list.isEmpty ? nil : list
        default: throw .invalidType("parse_time() formats must be a string or an array of strings")
        }

        switch value {
        case .null:
            return .null
        case .string(let raw):
            let text = raw.trimmingWhitespace()
            if text.isEmpty { return .null }
            if let candidates { return .string(try render(text, candidates, rule)) }
            return .string(try render(text, [try detect(text)], rule))
        case .integer, .decimal, .double:
            if candidates == nil, let (whole, exact) = wholePart(of: value),
               whole > -1_000_000_000 && whole < 1_000_000_000 && !(exact && String(whole).count == 8) {
                // Milliseconds within three hours of 1970 are no one's data; a spreadsheet's date is.
                throw .invalidValue("""
                    parse_time(): \(value.jsonText) is no timestamp: epoch seconds have 10 digits and milliseconds 13, a \
                    date as a number 8 (20240305, no fraction), and an Excel date serial (45356 is 2024-03-05) is read by excel_date()
                    """)
            }
            if let candidates { return .string(try render(number: value, candidates, rule)) }
            guard let format = detect(number: value) else { throw Self.twoWays(value.jsonText) }
            return .string(try render(number: value, [format], rule))
        default:
            throw .invalidType("parse_time() needs a string or number, found \(value.typeName)")
        }
    }

    /// Picks a format from the text's shape; ten digits from 2000000000 on (seconds after 2033,
    /// and a yyyyMMddHH too) are refused rather than guessed.
    static func detect(_ text: String) throws(ExpressionError) -> TimestampFormat {
        if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            switch text.utf8.count {
            case 8: return compactDate
            case 10:
                guard text < "2000000000" else { throw twoWays(text) }
                return .epochSeconds
            case 12: return compactMinute
            case 13: return .epochMilliseconds
            case 14: return compactSecond
            case 17: return compactMillisecond
            default: break
            }
        }
        if text.unicodeScalars.contains("年") { return .chinese }
        return .lenient
    }

    /// The error for a timestamp read more than one way without a format named.
    static func twoWays(_ text: String) -> ExpressionError {
        .invalidValue("""
            parse_time(): \(text) could be read more than one way (epoch seconds from 2000000000 on are after 2033 and read \
            as a yyyyMMddHH too; milliseconds of 1970–2001 and a yyyyMMddHHmm both have 11 or 12 digits; epoch seconds have \
            10 digits and milliseconds 13; a date as digits has 8, 14 or 17 and no fraction): name its format, as \
            parse_time(value, 'epoch_s'), 'epoch_ms' or 'yyyyMMddHHmm'
            """)
    }

    /// Picks a format for a number by the digits of its whole part, as for text: `1709620200`
    /// is epoch seconds, not 20 days after 1970 in milliseconds, 13 digits are milliseconds, and
    /// 8, 14 and 17 digits without a fraction are dates; a negative number is milliseconds (a
    /// birth date before 1970). Any other shape is nil, refused rather than guessed: 11 or 12
    /// digits are milliseconds of 1970–2001 or a yyyyMMddHHmm (202403051430 is both), and
    /// 20240305143000.5 or 16 digits are no one's timestamp. Fewer than 10 digits, unless a
    /// whole 8-digit date, are refused before (an Excel date serial is no epoch).
    static func detect(number: Value) -> TimestampFormat? {
        guard let (whole, exact) = wholePart(of: number) else { return nil }
        guard whole >= 0 else { return .epochMilliseconds }
        switch String(whole).utf8.count {
        case 10: return whole < 2_000_000_000 ? .epochSeconds : nil
        case 13: return .epochMilliseconds
        // Dates as digits; a date pattern reads only whole numbers (20240305.5 is no date).
        case 8: return exact ? compactDate : nil
        case 14: return exact ? compactSecond : nil
        case 17: return exact ? compactMillisecond : nil
        default: return nil
        }
    }

    /// A number's whole part, and whether that is all of it.
    private static func wholePart(of number: Value) -> (Int, exact: Bool)? {
        switch number {
        case .integer(let i):
            return (i, true)
        case .decimal(let d):
            if let i = d.exactInt { return (i, true) }
            guard d.exponent < 0, d.exponent > -19 else { return nil }
            var divisor = 1
            for _ in 0 ..< -d.exponent { divisor *= 10 }
            return (d.significand / divisor, false)
        case .double(let d):
            guard d.isFinite, Swift.abs(d) < 1e18 else { return nil }
            let whole = d.rounded(.towardZero)
            return (Int(whole), whole == d)
        default:
            return nil
        }
    }

    private static func render(_ text: String, _ formats: [TimestampFormat], _ zone: TimeZoneRule) throws(ExpressionError) -> String {
        var problem: String?
        for format in formats {
            guard let parsed = format.parse(text) else { continue }
            do {
                return try render(parsed, zone)
            } catch {
                problem = problem ?? error.message
            }
        }
        if let problem { throw .invalidValue("parse_time(): '\(text)': \(problem)") }
        let names = formats.map(\.name).joined(separator: ", ")
        throw .invalidValue("parse_time(): '\(text)' does not match \(formats.count == 1 ? "format" : "any of the formats") \(names)")
    }

    private static func render(number: Value, _ formats: [TimestampFormat], _ zone: TimeZoneRule) throws(ExpressionError) -> String {
        let amount: DecimalNumber?
        switch number {
        case .integer(let i): amount = DecimalNumber(significand: i, exponent: 0)
        case .decimal(let d): amount = d
        case .double(let d): amount = d.isFinite ? DecimalNumber(d.description) : nil
        default: amount = nil
        }
        guard let amount else { throw .invalidValue("parse_time(): \(number.jsonText) is not a finite number") }
        for format in formats {
            switch format {
            case .epochMilliseconds, .epochSeconds:
                guard let parsed = format.epoch(amount) else {
                    throw .invalidValue("parse_time(): \(number.jsonText) is out of range for \(format.name)")
                }
                return try render(parsed, zone)
            default:
                // A number such as 20240305 read with a date pattern.
                if let whole = amount.exactInt, whole >= 0 {
                    return try render(String(whole), [format], zone)
                }
            }
        }
        throw .invalidValue("parse_time(): \(number.jsonText) does not match the formats \(formats.map(\.name).joined(separator: ", "))")
    }

    static func render(_ parsed: ParsedTimestamp, _ zone: TimeZoneRule) throws(ExpressionError) -> String {
        let (instant, nanosecond) = try self.instant(parsed, zone)
        let offset = zone.offset(at: instant)
        let local = CivilDateTime(secondsSinceEpoch: instant + offset, nanosecond: nanosecond)
        guard (0...9999).contains(local.year) else { throw .invalidValue("year \(local.year) cannot be written in RFC 3339") }
        return local.rfc3339(offsetSeconds: offset)
    }

    /// The instant (seconds since the epoch and nanoseconds) a parsed timestamp denotes,
    /// reading a wall time without an offset in `zone`.
    static func instant(_ parsed: ParsedTimestamp, _ zone: TimeZoneRule) throws(ExpressionError) -> (Int, Int) {
        let instant: Int
        let nanosecond: Int
        switch parsed {
        case .wall(let time, let offset):
            if let problem = time.problem { throw .invalidValue(problem) }
            let local = time.secondsSinceEpoch
            instant = offset.map { local - $0 } ?? zone.instant(forLocal: local)
            nanosecond = time.nanosecond
        case .instant(let seconds, let nanos):
            instant = seconds
            nanosecond = nanos
        }
        // About ±292 billion years fit in the seconds; years outside 0000–9999 do not fit RFC 3339.
        guard abs(instant) < 400_000_000_000 else { throw .invalidValue("the time is out of range") }
        return (instant, nanosecond)
    }

    /// The instant of `text` read with `formats` (detected from its shape when empty) in `zone`.
    static func instant(of text: String, formats: [TimestampFormat], zone: TimeZoneRule) throws(ExpressionError) -> (Int, Int) {
        let trimmed = text.trimmingWhitespace()
        let candidates = formats.isEmpty ? [try detect(trimmed)] : formats
        for format in candidates {
            if let parsed = format.parse(trimmed) { return try instant(parsed, zone) }
        }
        throw .invalidValue("'\(text)' does not match \(candidates.map(\.name).joined(separator: ", "))")
    }
}
