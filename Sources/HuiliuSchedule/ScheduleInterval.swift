public import Foundation

/// The period of an `@every` schedule: `@every 15m`, `@every 1h30m`, `@every 10s`.
public struct ScheduleInterval: Sendable, Hashable, Comparable, CustomStringConvertible {
    private static let longest: Int64 = 100 * 365 * 86_400

    /// Whole seconds between fire times; at least 1.
    public let seconds: Int64

    /// An interval of `seconds`, which must be positive.
    public init?(seconds: Int64) {
        guard seconds > 0 else { return nil }
        self.seconds = seconds
    }

    /// Reads Go-style durations made of `<number><unit>` parts, units `d`, `h`, `m`, `s`.
    ///
    /// - Parameters:
    ///   - text: The duration, such as `1h30m`.
    ///   - column: The column of `text` in the whole expression, for error messages.
    public init(parsing text: String, column: Int = 1) throws(CronError) {
        let units: [Unicode.Scalar: Int64] = ["d": 86_400, "h": 3600, "m": 60, "s": 1]
        var total: Int64 = 0
        var digits = ""
        var offset = 0
        var seen: Set<Unicode.Scalar> = []
        // Columns count Unicode scalars, as CronError's do everywhere else.
        for character in text.unicodeScalars {
            defer { offset += 1 }
            let lower = ("A"..."Z").contains(character) ? Unicode.Scalar(character.value + 32)! : character
            if ("0"..."9").contains(character) {
                digits.unicodeScalars.append(character)
            } else if let unit = units[lower] {
                guard !digits.isEmpty else {
                    throw CronError(.invalidInterval, column: column + offset,
                                    "expected a number before '\(character)' in the @every duration")
                }
                guard seen.insert(lower).inserted else {
                    throw CronError(.invalidInterval, column: column + offset,
                                    "unit '\(character)' appears twice in the @every duration")
                }
                // Anything past a century is a typo, and the cap keeps the sum from overflowing.
                total += (Int64(digits.count > 12 ? "999999999999" : digits) ?? 0) * unit
                guard total <= Self.longest else {
                    throw CronError(.invalidInterval, column: column, "@every duration \(text) is longer than 100 years")
                }
                digits = ""
            } else {
                throw CronError(.invalidInterval, column: column + offset,
                                "unexpected '\(character)' in the @every duration; write it like 1h30m, 15m or 10s")
            }
        }
        if !digits.isEmpty {
            throw CronError(.invalidInterval, column: column + offset - digits.count,
                            "\(digits) needs a unit (d, h, m or s), like \(digits)m")
        }
        guard text.isEmpty == false else {
            throw CronError(.invalidInterval, column: column, "@every needs a duration, like @every 15m")
        }
        guard let interval = ScheduleInterval(seconds: total) else {
            throw CronError(.invalidInterval, column: column, "@every duration must be at least 1s")
        }
        self = interval
    }

    /// The first time `anchor + k × interval` (k ≥ 1) strictly after `date`.
    ///
    /// The anchor itself is not a fire time: a pipeline added at 10:00 with `@every 15m` first
    /// fires at 10:15.
    public func next(after date: Date, anchor: Date) -> Date {
        let elapsed = date.timeIntervalSince(anchor)
        let periods = elapsed < 0 ? 1 : Int64((elapsed / Double(seconds)).rounded(.down)) + 1
        var next = anchor.addingTimeInterval(Double(periods) * Double(seconds))
        // Guard against rounding putting the result on or before `date`.
        while next <= date { next = next.addingTimeInterval(Double(seconds)) }
        return next
    }

    /// `1h30m` style, largest unit first.
    public var description: String {
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    public static func < (a: ScheduleInterval, b: ScheduleInterval) -> Bool { a.seconds < b.seconds }
}
