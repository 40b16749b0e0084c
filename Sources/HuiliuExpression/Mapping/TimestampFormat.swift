import Synchronization

/// One way of writing a timestamp, by name (`iso8601`, `chinese`, `epoch_ms`,
/// `epoch_s`) or as a pattern such as `yyyy-MM-dd HH:mm:ss`.
///
/// Pattern letters: `yyyy` year; `MM`/`M` month, `dd`/`d` day, `HH`/`H` hour,
/// `mm`/`m` minute, `ss`/`s` second (doubled = exactly two digits, single = one or
/// two); `S…` fraction digits; `X` a UTC offset (`Z`, `+08:00`, `+0800`). `T` and any
/// non-letter stand for themselves; text in single quotes is literal. Other letters
/// are refused, because `YYYY`, `DD` or `hh` almost always mean a mistake.
enum TimestampFormat: Sendable {
    /// RFC 3339 / ISO 8601 extended: `2024-03-05`, `2024-03-05T14:30:00.250+08:00`.
    case iso8601
    /// `2024年3月5日`, optionally `14时30分`, `14点30分`, `14:30` or with seconds.
    case chinese
    /// Milliseconds since 1970-01-01T00:00:00Z.
    case epochMilliseconds
    /// Seconds since 1970-01-01T00:00:00Z.
    case epochSeconds
    /// What auto-detection uses: dates with `-`, `/` or `.`, one- or two-digit fields,
    /// optional time and offset.
    case lenient
    /// A user pattern.
    case pattern(String, [Part])

    enum Part: Sendable, Equatable {
        case year
        case month(exact: Bool), day(exact: Bool), hour(exact: Bool), minute(exact: Bool), second(exact: Bool)
        case fraction(digits: Int)
        case offset
        case literal(Unicode.Scalar)
    }

    private static let cache = Mutex<[String: TimestampFormat]>([:])

    /// ``init(_:)`` through a bounded cache: a pattern in a mapping is compiled once,
    /// not once per record.
    static func named(_ name: String, for function: String = "parse_time") throws(ExpressionError) -> TimestampFormat {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        let format = try TimestampFormat(name, for: function)
        cache.withLock { table in
            if table.count >= 256 { table.removeAll(keepingCapacity: true) }
            table[name] = format
        }
        return format
    }

    /// The format called `name`, or `name` read as a pattern.
    /// The format `name`; errors name `function`, whose argument it is.
    init(_ name: String, for function: String = "parse_time") throws(ExpressionError) {
        switch name {
        case "iso8601", "rfc3339": self = .iso8601
        case "chinese": self = .chinese
        case "epoch_ms": self = .epochMilliseconds
        case "epoch_s": self = .epochSeconds
        default: self = .pattern(name, try TimestampFormat.compile(name, for: function))
        }
    }

    private static func compile(_ pattern: String, for function: String) throws(ExpressionError) -> [Part] {
        let scalars = Array(pattern.unicodeScalars)
        var parts: [Part] = []
        var seen: Set<Unicode.Scalar> = []
        var i = 0
        func bad(_ why: String) -> ExpressionError {
            .invalidValue("\(function)(): format '\(pattern)': \(why)")
        }
        while i < scalars.count {
            let c = scalars[i]
            var run = 1
            while i + run < scalars.count && scalars[i + run] == c { run += 1 }
            // A field given twice is a typo (`HH:MM:SS` for `HH:mm:ss`): the second would be
            // written and read where the other field belongs.
            if "yMdHmsSX".unicodeScalars.contains(c), !seen.insert(c).inserted {
                let hint: String = switch c {
                case "M": "; minutes are 'mm'"
                case "m": "; months are 'MM'"
                case "S": "; seconds are 'ss'"
                default: ""
                }
                throw bad("'\(c)' appears twice\(hint)")
            }
            switch c {
            case "y":
                guard run == 4 else { throw bad("write the year as yyyy") }
                parts.append(.year)
            case "M", "d", "H", "m", "s":
                guard run <= 2 else { throw bad("'\(String(repeating: String(c), count: run))' is too long") }
                let exact = run == 2
                parts.append(c == "M" ? .month(exact: exact) : c == "d" ? .day(exact: exact)
                             : c == "H" ? .hour(exact: exact) : c == "m" ? .minute(exact: exact) : .second(exact: exact))
            case "S":
                guard run <= 9 else { throw bad("at most 9 fraction digits") }
                parts.append(.fraction(digits: run))
            case "X":
                parts.append(.offset)
            case "'":
                guard let close = scalars[(i + 1)...].firstIndex(of: "'") else { throw bad("unclosed quote") }
                parts.append(contentsOf: scalars[(i + 1)..<close].map(Part.literal))
                run = close - i + 1
            case "T":
                parts.append(contentsOf: Array(repeating: Part.literal(c), count: run))
            case "a"..."z", "A"..."Z":
                throw bad("'\(c)' is not a pattern letter (use yyyy MM dd HH mm ss S X)")
            default:
                parts.append(contentsOf: Array(repeating: Part.literal(c), count: run))
            }
            i += run
        }
        guard parts.contains(.year), parts.contains(where: { if case .month = $0 { true } else { false } }),
              parts.contains(where: { if case .day = $0 { true } else { false } }) else {
            throw .invalidValue("\(function)(): format '\(pattern)' needs a year, month and day (yyyy, MM, dd)")
        }
        // A smaller unit without the one above it is also a typo: `SS` (a fraction) for `ss`.
        for (unit, above, hint) in [("S", "s", "'S' is a fraction of a second and needs seconds (ss)"),
                                    ("s", "m", "seconds (ss) need minutes (mm)"), ("m", "H", "minutes (mm) need hours (HH); months are 'MM'")]
        where seen.contains(unit.unicodeScalars.first!) && !seen.contains(above.unicodeScalars.first!) {
            throw bad(hint)
        }
        return parts
    }

    var name: String {
        switch self {
        case .iso8601: "iso8601"
        case .chinese: "chinese"
        case .epochMilliseconds: "epoch_ms"
        case .epochSeconds: "epoch_s"
        case .lenient: "auto"
        case .pattern(let text, _): text
        }
    }
}
