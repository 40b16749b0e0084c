import HuiliuCore

/// What a timestamp's text denotes: a wall time (with the offset it carried, if any)
/// or an instant.
enum ParsedTimestamp: Equatable {
    case wall(CivilDateTime, offset: Int?)
    case instant(seconds: Int, nanosecond: Int)
}

extension TimestampFormat {
    /// The timestamp in `text`, or `nil` if the text is not in this format. The fields
    /// are not range-checked here.
    func parse(_ text: String) -> ParsedTimestamp? {
        switch self {
        case .epochMilliseconds, .epochSeconds:
            guard let number = TimestampFormat.epochDigits(text) else { return nil }
            return epoch(DecimalNumber(significand: number, exponent: 0))
        default:
            // Most timestamps are ASCII: read their bytes in place instead of copying the
            // text into scalars, which costs an allocation per record.
            var utf8 = text
            let ascii = utf8.withUTF8 { bytes -> ParsedTimestamp?? in
                guard bytes.allSatisfy({ $0 < 0x80 }) else { return .none }
                var scanner = ASCIITimestampScanner(bytes)
                return .some(scan(&scanner))
            }
            if let ascii { return ascii }
            var scanner = TimestampScanner(text)
            return scan(&scanner)
        }
    }

    /// The whole of the scanner's text read in this format, or `nil`.
    private func scan(_ scanner: inout some TimestampReading) -> ParsedTimestamp? {
        let result: ParsedTimestamp?
        switch self {
        case .iso8601: result = TimestampFormat.dateTime(&scanner, separators: "-", exact: true)
        case .lenient: result = TimestampFormat.dateTime(&scanner, separators: "-/.", exact: false)
        case .chinese: result = TimestampFormat.chinese(&scanner)
        case .epochMilliseconds, .epochSeconds: return nil
        case .pattern(_, let parts): result = TimestampFormat.match(parts, &scanner)
        }
        return scanner.atEnd ? result : nil
    }

    /// The instant `amount` units of this epoch format after the epoch; `nil` if it
    /// has digits below a nanosecond or is out of range.
    func epoch(_ amount: DecimalNumber) -> ParsedTimestamp? {
        let nanosecondDigits: Int
        switch self {
        case .epochSeconds: nanosecondDigits = 9
        default: nanosecondDigits = 6
        }
        // In 128 bits: nanoseconds since 1970 overflow 64 bits past about ±292 years, and an
        // epoch value from a record must fail as out of range, never trap.
        let shift = amount.exponent + nanosecondDigits
        var nanos = Int128(amount.significand)
        if shift >= 0 {
            for _ in 0..<min(shift, 39) {
                let (product, overflow) = nanos.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                nanos = product
            }
        } else {
            guard shift >= -38 else { return nanos == 0 ? .instant(seconds: 0, nanosecond: 0) : nil }
            var divisor: Int128 = 1
            for _ in 0 ..< -shift { divisor *= 10 }
            // Digits below a nanosecond are refused, not dropped.
            guard nanos % divisor == 0 else { return nil }
            nanos /= divisor
        }
        var (seconds, nanosecond) = nanos.quotientAndRemainder(dividingBy: 1_000_000_000)
        if nanosecond < 0 { seconds -= 1; nanosecond += 1_000_000_000 }
        guard seconds.magnitude < 1 << 62 else { return nil }
        let whole = Int(seconds)
        return .instant(seconds: whole, nanosecond: Int(nanosecond))
    }

    private static func epochDigits(_ text: String) -> Int? {
        let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !body.isEmpty, body.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(text) else { return nil }
        return n
    }

    private static func dateTime(_ s: inout some TimestampReading, separators: String, exact: Bool) -> ParsedTimestamp? {
        let fieldWidth = exact ? 2 : 1
        guard let year = s.digits(4, 4), let separator = s.current, separators.unicodeScalars.contains(separator) else { return nil }
        _ = s.take(separator)
        guard let month = s.digits(fieldWidth, 2), s.take(separator), let day = s.digits(fieldWidth, 2) else { return nil }
        var time = CivilDateTime(year: year, month: month, day: day)
        if s.atEnd { return .wall(time, offset: nil) }
        guard s.take(anyOf: "Tt") || s.take(" ") else { return nil }
        if !exact { s.skipSpaces() }
        guard let hour = s.digits(fieldWidth, 2), s.take(":"), let minute = s.digits(2, 2) else { return nil }
        time.hour = hour
        time.minute = minute
        if s.take(":") {
            guard let second = s.digits(2, 2) else { return nil }
            time.second = second
            if s.take(anyOf: ".,") {
                guard let nanos = s.fraction() else { return nil }
                time.nanosecond = nanos
            }
        }
        if !exact { s.skipSpaces() }
        if s.atEnd { return .wall(time, offset: nil) }
        guard let offset = s.offset() else { return nil }
        return .wall(time, offset: offset)
    }

    private static func chinese(_ s: inout some TimestampReading) -> ParsedTimestamp? {
        guard let year = s.digits(4, 4), s.take("年"), let month = s.digits(1, 2), s.take("月"),
              let day = s.digits(1, 2), s.take(anyOf: "日号") else { return nil }
        var time = CivilDateTime(year: year, month: month, day: day)
        s.skipSpaces()
        if s.atEnd { return .wall(time, offset: nil) }
        guard let hour = s.digits(1, 2) else { return nil }
        time.hour = hour
        if s.take(anyOf: "时点") {
            // 14时, 14时30分, 14点30, 14时30分15秒
            if let minute = s.digits(1, 2) {
                time.minute = minute
                if s.take("分") {
                    if let second = s.digits(1, 2) {
                        time.second = second
                        guard s.take("秒") else { return nil }
                    }
                } else if !s.atEnd {
                    return nil
                }
            }
        } else if s.take(":") {
            guard let minute = s.digits(2, 2) else { return nil }
            time.minute = minute
            if s.take(":") {
                guard let second = s.digits(2, 2) else { return nil }
                time.second = second
            }
        } else {
            return nil
        }
        return .wall(time, offset: nil)
    }

    private static func match(_ parts: [Part], _ s: inout some TimestampReading) -> ParsedTimestamp? {
        var time = CivilDateTime(year: 0, month: 1, day: 1)
        var offset: Int?
        for part in parts {
            switch part {
            case .year: guard let v = s.digits(4, 4) else { return nil }; time.year = v
            case .month(let exact): guard let v = s.digits(exact ? 2 : 1, 2) else { return nil }; time.month = v
            case .day(let exact): guard let v = s.digits(exact ? 2 : 1, 2) else { return nil }; time.day = v
            case .hour(let exact): guard let v = s.digits(exact ? 2 : 1, 2) else { return nil }; time.hour = v
            case .minute(let exact): guard let v = s.digits(exact ? 2 : 1, 2) else { return nil }; time.minute = v
            case .second(let exact): guard let v = s.digits(exact ? 2 : 1, 2) else { return nil }; time.second = v
            case .fraction(let digits):
                guard let v = s.digits(digits, digits) else { return nil }
                var nanos = v
                for _ in digits..<9 { nanos *= 10 }
                time.nanosecond = nanos
            case .offset:
                guard let v = s.offset() else { return nil }
                offset = v
            case .literal(let c):
                guard s.take(c) else { return nil }
            }
        }
        return .wall(time, offset: offset)
    }
}
