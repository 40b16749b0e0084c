/// Parses the text of one field into the matching part of `CronFields`.
struct FieldParser {
    typealias Piece = CronParser.Piece
    let field: CronField

    func parse(_ word: Piece, into fields: inout CronFields) throws(CronError) {
        var word = word
        var requiresDayOfMonth = false
        if let column = word.firstColumn(of: "+") {
            guard field == .dayOfWeek, column == word.column else {
                throw error(.misplaced, at: column, "'+' may only prefix the day-of-week field (+MON)")
            }
            requiresDayOfMonth = true
            word = word.dropFirst()
        }
        if let column = word.firstColumn(of: "?") {
            guard field == .dayOfMonth || field == .dayOfWeek else {
                throw error(.misplaced, at: column, "'?' is only allowed in the day-of-month and day-of-week fields")
            }
            guard word.scalars.count == 1 else {
                throw error(.misplaced, at: column, "'?' must stand alone in the \(field) field")
            }
        }
        let items = word.isEmpty ? [word] : word.split(on: ",")
        // Only `?` or a bare `*` item leaves the day to the other field; croniter reads `*/2` or
        // `1-31` as restricting it, so `0 0 */2 * MON` is odd days OR Mondays.
        let restricted = word.text != "?" && !items.contains { $0.text == "*" }
        switch field {
        case .dayOfMonth:
            fields.dayOfMonth = try dayOfMonthRule(items)
            fields.dayOfMonth.isRestricted = restricted
        case .dayOfWeek:
            fields.dayOfWeek = try dayOfWeekRule(items)
            fields.dayOfWeek.isRestricted = restricted
            fields.dayOfWeek.requiresDayOfMonth = requiresDayOfMonth
        default:
            var set = ValueSet()
            for item in items {
                for value in try values(item) { set.insert(value) }
            }
            switch field {
            case .second: fields.seconds = set
            case .minute: fields.minutes = set
            case .hour: fields.hours = set
            case .month: fields.months = set
            default: fields.years = field == .year && word.text != "*" ? set : nil
            }
        }
    }

    private func dayOfMonthRule(_ items: [Piece]) throws(CronError) -> DayOfMonthRule {
        var rule = DayOfMonthRule()
        for item in items {
            let upper = item.upper
            if upper == "?" {
                return .any
            } else if upper == "L" {
                rule.lastDay = true
            } else if upper.hasSuffix("W") {
                guard items.count == 1 else {
                    throw error(.misplaced, at: item.column, "W takes a single day (15W), not a list")
                }
                if upper == "LW" {
                    rule.lastWeekday = true
                } else {
                    let day = item.dropLast()
                    guard day.text.allSatisfy(\.isASCIIDigit), !day.isEmpty else {
                        throw error(.misplaced, at: item.column, "W takes a single day (15W), not '\(item.text)'")
                    }
                    rule.nearestWeekdayTo = try value(day)
                }
            } else {
                for day in try values(item) { rule.days.insert(day) }
            }
        }
        return rule
    }

    private func dayOfWeekRule(_ items: [Piece]) throws(CronError) -> DayOfWeekRule {
        var rule = DayOfWeekRule()
        for item in items {
            let upper = item.upper
            if upper == "?" {
                return .any
            } else if item.firstColumn(of: "#") != nil {
                let parts = item.split(on: "#", maxSplits: 1)
                let weekday = try singleWeekday(parts[0], symbol: "#")
                if parts[1].upper == "L" {
                    rule.lastOfMonth.insert(weekday)
                } else {
                    guard parts[1].text.allSatisfy(\.isASCIIDigit), let week = Int(parts[1].text), (1...5).contains(week) else {
                        throw error(.outOfRange, at: parts[1].column,
                                    "week '\(parts[1].text)' after # must be 1-5 or L")
                    }
                    rule.nth.insert(.init(weekday: weekday, week: week))
                }
            } else if upper == "L" {
                throw error(.misplaced, at: item.column, "L in the day-of-week field needs a weekday: 5L is the last Friday")
            } else if upper.hasSuffix("L") {
                rule.lastOfMonth.insert(try singleWeekday(item.dropLast(), symbol: "L"))
            } else if upper.hasPrefix("L") {
                // croniter's spelling of the last Friday: L5.
                rule.lastOfMonth.insert(try singleWeekday(item.dropFirst(), symbol: "L"))
            } else {
                for weekday in try values(item) { rule.weekdays.insert(weekday) }
            }
        }
        return rule
    }

    private func singleWeekday(_ piece: Piece, symbol: String) throws(CronError) -> Int {
        if let column = piece.firstColumn(of: "-") ?? piece.firstColumn(of: "/") ?? piece.firstColumn(of: "*") {
            throw error(.misplaced, at: column, "\(symbol) takes a single weekday, not a range or step")
        }
        return try value(piece) % 7
    }

    /// The values one list item stands for: `*`, `5`, `1-5`, `*/15`, `1-30/5` or `5/10`.
    private func values(_ item: Piece) throws(CronError) -> [Int] {
        if item.isEmpty {
            throw error(.syntax, at: item.column, "empty \(field) value; expected \(field.expectedValue)")
        }
        let parts = item.split(on: "/")
        if parts.count > 2 {
            throw error(.invalidStep, at: parts[2].column - 1, "a \(field) item takes at most one '/'")
        }
        let base = parts[0]
        var step = 1
        if parts.count == 2 {
            let text = parts[1].text
            guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else {
                throw error(.invalidStep, at: parts[1].column, "\(field) step '\(text)' is not a whole number")
            }
            guard let number = Int(text.count > 6 ? "999999" : text), number >= 1 else {
                throw error(.invalidStep, at: parts[1].column, "\(field) step must be at least 1, found \(text)")
            }
            step = number
            if base.isEmpty {
                throw error(.invalidStep, at: base.column,
                            "a \(field) step needs a start: write */\(text) or \(field.wildcardRange.lowerBound)/\(text)")
            }
        }
        let low: Int
        var high: Int
        if base.text == "*" {
            (low, high) = (field.wildcardRange.lowerBound, field.wildcardRange.upperBound)
        } else if base.firstColumn(of: "-") != nil {
            let ends = base.split(on: "-", maxSplits: 1)
            (low, high) = (try value(ends[0]), try value(ends[1]))
            guard low <= high else {
                throw error(.descendingRange, at: base.column,
                            "\(field) range \(base.text) runs backwards; write the smaller value first")
            }
        } else {
            low = try value(base)
            // `5/10` is croniter's and Quartz's `5-max/10`.
            high = parts.count == 2 ? field.wildcardRange.upperBound : low
        }
        // `7/2` starts on the second Sunday, past `*`'s 0-6: it means Sunday alone.
        if field == .dayOfWeek, parts.count == 2, low == 7 { high = 7 }
        return stride(from: low, through: high, by: step).map { field == .dayOfWeek ? $0 % 7 : $0 }
    }

    /// One number or name, checked against the field's range.
    func value(_ piece: Piece) throws(CronError) -> Int {
        let text = piece.text
        if text.isEmpty {
            throw error(.syntax, at: piece.column, "missing \(field) value; expected \(field.expectedValue)")
        }
        if text.allSatisfy(\.isASCIIDigit) {
            let number = Int(text.count > 6 ? "999999" : text) ?? .max
            guard field.bounds.contains(number) else {
                throw error(.outOfRange, at: piece.column,
                            "\(field) value \(text) is out of range \(field.bounds.lowerBound)-\(field.bounds.upperBound)")
            }
            return number
        }
        if let number = field.names[piece.upper] { return number }
        if text.allSatisfy(\.isLetter), !field.names.isEmpty {
            throw error(.unknownName, at: piece.column, "unknown \(field) name '\(text)'; expected \(field.expectedValue)")
        }
        throw error(.syntax, at: piece.column, "expected \(field.expectedValue) in the \(field) field, found '\(text)'")
    }

    private func error(_ code: CronError.Code, at column: Int, _ message: String) -> CronError {
        CronError(code, column: column, field: field, message)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
