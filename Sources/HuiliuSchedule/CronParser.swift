/// Reads cron text into `CronFields`, reporting faults by column.
///
/// The dialect: 5 fields, or 6/7 with seconds first and a year last (OCPS 1.2); names in any
/// case; `*`, ranges, steps, lists; `?` as `*` in the day fields; `L`, `W`, `LW`, `#`, `5L`/`L5`;
/// `+` before day-of-week for AND (OCPS 1.4); lower-case macros. Descending ranges are refused,
/// as OCPS and Vixie cron do, although croniter wraps them around.
struct CronParser {
    /// One stretch of the text, with the column of its first scalar.
    struct Piece {
        var scalars: ArraySlice<Unicode.Scalar>
        var column: Int

        var text: String { String(String.UnicodeScalarView(scalars)) }
        var upper: String { text.uppercased() }
        var isEmpty: Bool { scalars.isEmpty }

        /// The pieces between occurrences of `separator`, each with its own column.
        func split(on separator: Unicode.Scalar, maxSplits: Int = .max) -> [Piece] {
            var pieces: [Piece] = []
            var start = scalars.startIndex
            var index = scalars.startIndex
            while index < scalars.endIndex {
                if scalars[index] == separator, pieces.count < maxSplits {
                    pieces.append(Piece(scalars: scalars[start..<index], column: column + start - scalars.startIndex))
                    start = index + 1
                }
                index += 1
            }
            pieces.append(Piece(scalars: scalars[start..<scalars.endIndex], column: column + start - scalars.startIndex))
            return pieces
        }

        func firstColumn(of scalar: Unicode.Scalar) -> Int? {
            scalars.firstIndex(of: scalar).map { column + $0 - scalars.startIndex }
        }

        func dropFirst(_ n: Int = 1) -> Piece {
            Piece(scalars: scalars.dropFirst(n), column: column + n)
        }

        func dropLast(_ n: Int = 1) -> Piece {
            Piece(scalars: scalars.dropLast(n), column: column)
        }
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// The whitespace-separated words of `text`.
    static func words(of text: String) -> [Piece] {
        let scalars = Array(text.unicodeScalars)
        var words: [Piece] = []
        var index = 0
        while index < scalars.count {
            if scalars[index] == " " || scalars[index] == "\t" { index += 1; continue }
            let start = index
            while index < scalars.count, scalars[index] != " ", scalars[index] != "\t" { index += 1 }
            words.append(Piece(scalars: scalars[start..<index], column: start + 1))
        }
        return words
    }

    /// Parses a whole expression; nil fields stand for `@reboot`.
    static func parse(_ text: String) throws(CronError) -> CronFields? {
        let words = words(of: text)
        if let first = words.first, first.scalars.first == "@" {
            return try parseMacro(first, rest: words.dropFirst())
        }
        guard let layout = CronField.layout(fieldCount: words.count) else {
            let column = words.count > 7 ? words[7].column : text.unicodeScalars.count + 1
            throw CronError(.fieldCount, column: column,
                            "expected 5, 6 or 7 fields (minute hour day-of-month month day-of-week, "
                                + "with seconds first and a year last), found \(words.count)")
        }
        var fields = CronFields()
        fields.hasSeconds = layout.count > 5
        for (field, word) in zip(layout, words) {
            try FieldParser(field: field).parse(word, into: &fields)
        }
        let dayOfMonthText = words[layout.firstIndex(of: .dayOfMonth)!].text
        let dayOfWeekText = words[layout.firstIndex(of: .dayOfWeek)!].text
        relaxFullDayFields(&fields, dayOfMonthText: dayOfMonthText, dayOfWeekText: dayOfWeekText)
        return fields
    }

    /// croniter's rule: a day field that lists every day (`1-31`, `0-6`) restricts nothing when
    /// the other day field's text contains a `*`, so `0 0 1-31 * */2` is every other weekday,
    /// as in Vixie cron, while `0 0 1-31 * MON` stays every day (a next-fire vector).
    private static func relaxFullDayFields(_ fields: inout CronFields, dayOfMonthText: String, dayOfWeekText: String) {
        let month = fields.dayOfMonth
        if month.isRestricted, dayOfWeekText.contains("*"), month.days.covers(1...31),
           !month.lastDay, !month.lastWeekday, month.nearestWeekdayTo == nil {
            fields.dayOfMonth.isRestricted = false
        }
        let week = fields.dayOfWeek
        if week.isRestricted, dayOfMonthText.contains("*"), week.weekdays.covers(0...6),
           week.nth.isEmpty, week.lastOfMonth.isEmpty {
            fields.dayOfWeek.isRestricted = false
        }
    }

    private static func parseMacro(_ word: Piece, rest: ArraySlice<Piece>) throws(CronError) -> CronFields? {
        let name = word.text
        let lower = name.lowercased()
        if name != lower, macros[lower] != nil || lower == "@reboot" || lower == "@every" {
            throw CronError(.unknownMacro, column: word.column, "macros are lower-case: write \(lower), not \(name)")
        }
        if name == "@every" {
            throw CronError(.unknownMacro, column: word.column,
                            "@every is an interval, not a cron expression; give it as a pipeline schedule")
        }
        if let extra = rest.first {
            throw CronError(.fieldCount, column: extra.column, "\(name) stands alone; found more text after it")
        }
        if name == "@reboot" { return nil }
        if let equivalent = macros[name] {
            return try parse(equivalent)
        }
        throw CronError(.unknownMacro, column: word.column,
                        "unknown macro \(name) (expected @yearly, @annually, @monthly, @weekly, @daily, "
                            + "@midnight, @hourly or @reboot)")
    }
}
