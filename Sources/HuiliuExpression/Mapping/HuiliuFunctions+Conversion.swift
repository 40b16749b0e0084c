import HuiliuCore

extension HuiliuFunctions {
    static let conversion: [ExpressionFunction] = [
        ExpressionFunction(
            "to_fen", [P("amount", [.string, .number, .null])], returns: [.number, .null],
            summary: "A yuan amount as an exact integer number of fen (分). Strings may have a sign, thousands separators and up to two decimal places (`\"1,234.50\"`, in full-width forms too); a JSON number must be exact to the fen and have at most 18 significant digits (beyond that a reader keeps only a floating-point approximation, which is refused). More than two significant decimal places, or text that is not an amount, is an `invalid-value` error: amounts are never rounded. `null` gives `null`.",
            example: Example("to_fen('1,234.50')", result: 123_450)
        ) { args throws(ExpressionError) in
            if args[0].isNull { return .null }
            return .integer(try YuanAmount.fen(args[0]))
        },
        ExpressionFunction(
            "parse_time", [P("value", [.string, .number, .null]), .optional("formats", [.string, .arrayOfStrings, .null]),
                           .optional("zone", [.string, .null])],
            returns: [.string, .null],
            summary: """
            A timestamp as RFC 3339 with an offset, rendered in `zone` (an IANA name or `+08:00`; the default is `Asia/Shanghai`). \
            `formats` is a format or list tried in order: `iso8601` (RFC 3339, offset optional), `chinese` (`2024年3月5日`, with `14时30分` or `14:30`), \
            `epoch_ms`, `epoch_s`, or a pattern such as `yyyyMMdd`, `yyyy-MM-dd HH:mm:ss` or `yyyy/MM/dd HH:mm:ss` (letters yyyy MM dd HH mm ss S X). \
            Without formats the shape decides: 8, 12, 14 or 17 digits are `yyyyMMdd[HHmm[ss[SSS]]]`, 13 digits `epoch_ms`, 10 digits `epoch_s`, \
            text with 年 `chinese`, otherwise a date with `-`, `/` or `.` and an optional time and offset; a number with a whole part of 10 digits below \
            2000000000 is `epoch_s` (`1709620200`; from 2000000000 on, after 2033, it reads as a `yyyyMMddHH` too and is refused, \
            text as well), of 13 `epoch_ms`, of 8, 14 or 17 digits without a fraction a date as in text, and a negative one \
            `epoch_ms` (before 1970); any other number is refused, as it could be read more than one way (`202403051430`: \
            milliseconds of 1976, or 14:30 on 2024-03-05): name its format. \
            Wall times are read in `zone`; a time with an offset keeps its instant. Dates that do not exist (February 30) are errors; `null` and blank strings give `null`.
            """,
            example: Example("parse_time('2024年3月5日 14时30分')", result: "2024-03-05T14:30:00+08:00")
        ) { args throws(ExpressionError) in
            try TimestampParsing.parseTime(args[0], formats: args.optional(1), zone: args.optional(2))
        }.checkingLiterals(timeLiterals("parse_time")),
        ExpressionFunction(
            "to_date", [P("value", [.string, .number, .null]), .optional("formats", [.string, .arrayOfStrings, .null]),
                        .optional("zone", [.string, .null])],
            returns: [.string, .null],
            summary: "The calendar date (`YYYY-MM-DD`) of a timestamp in `zone`, read as `parse_time` reads it. `null` and blank strings give `null`.",
            example: Example("to_date('20240305')", result: "2024-03-05")
        ) { args throws(ExpressionError) in
            let time = try TimestampParsing.parseTime(args[0], formats: args.optional(1), zone: args.optional(2))
            guard case .string(let text) = time else { return time }
            return .string(String(text.prefix(10)))
        }.checkingLiterals(timeLiterals("to_date")),
        ExpressionFunction(
            "excel_date", [P("serial", [.number, .string, .null])], returns: [.string, .null],
            summary: "The calendar date (`YYYY-MM-DD`) of an Excel date serial (days since 1899-12-30 in the 1900 system; a time of day, the fraction, is dropped), as a CSV export or an unstyled XLSX cell holds one. A date already written out (`2024-03-05`, `2024-03-05T08:30:00` as an XLSX cell styled as a date reads, `2024-03-05 08:30:00`) gives its date. `null` gives `null`.",
            example: Example("excel_date(`45356`)", result: "2024-03-05")
        ) { args throws(ExpressionError) in
            let serial: Double
            switch args[0] {
            case .null: return .null
            case .string(let text):
                let trimmed = text.trimmingWhitespace()
                if let date = writtenDate(trimmed) {
                    guard trimmed.utf8.count > 10 else { return .string(date) }
                    // With a time, the date is the one to_date gives: in China time for a time with
                    // an offset (`…T20:30:00Z` is the next day there), and a time that is none refused.
                    do throws(ExpressionError) {
                        guard case .string(let time) = try TimestampParsing.parseTime(.string(trimmed), formats: nil, zone: nil) else { return .null }
                        return .string(String(time.prefix(10)))
                    } catch {
                        throw .invalidValue("excel_date(): '\(text)' is neither an Excel date serial nor a timestamp (\(error.message))")
                    }
                }
                guard trimmed.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }), let number = Double(trimmed) else {
                    throw .invalidValue("excel_date(): '\(text)' is not an Excel date serial")
                }
                serial = number
            default: serial = args[0].doubleValue ?? -1
            }
            guard serial >= 1, serial < 2_958_466 else {
                throw .invalidValue("excel_date(): \(args[0].jsonText) is not an Excel date serial (1 is 1900-01-01, 2958465 is 9999-12-31)")
            }
            guard let days = CivilCalendar.days(excelSerial: Int(serial.rounded(.down))) else {
                throw .invalidValue("excel_date(): 60 is 1900-02-29, a day Excel counts that never was")
            }
            return .string(CivilCalendar.dateText(days: days))
        },
        ExpressionFunction(
            "get", [P("object", [.object, .null]), P("key", [.string, .number, .null])], returns: .any,
            summary: "The member `key` of `object`, where the key is computed: the way to apply a small inline code map, such as `get(`{\"民事一审\": \"civil\"}`, ajlx)`. An integer key is matched as its decimal text; a missing member or a `null` argument gives `null`.",
            example: Example("get(`{\"已支付\": \"paid\"}`, '已支付')", result: "paid")
        ) { args throws(ExpressionError) in
            guard case .object(let object) = args[0] else { return .null }
            switch args[1] {
            case .string(let key): return object[key] ?? .null
            case .null: return .null
            default:
                guard let i = args[1].intValue else { throw .invalidValue("get(): key \(args[1].jsonText) is not an integer or string") }
                return object[String(i)] ?? .null
            }
        },
        ExpressionFunction(
            "code", [P("table", .object), P("value", [.string, .number, .null])], returns: .any,
            summary: "`value` translated by an inline code table, as `get` does, except that a value the table lacks is an error naming it and the table's codes (the record becomes a dead letter) rather than `null`: a code the upstream system adds is noticed, not dropped. `null`, an empty or blank value gives `null`.",
            example: Example("code(`{\"已支付\": \"paid\", \"已退回\": \"returned\"}`, '已支付')", result: "paid")
        ) { args throws(ExpressionError) in
            guard case .object(let table) = args[0] else { return .null }
            let key: String
            switch args[1] {
            case .null: return .null
            case .string(let text):
                key = text.trimmingWhitespace()
                if key.isEmpty { return .null }
            default:
                guard let i = args[1].intValue else { throw .invalidValue("code(): \(args[1].jsonText) is not an integer or string") }
                key = String(i)
            }
            if let value = table[key] { return value }
            let codes = table.keys.prefix(12).map { "'\($0)'" }.joined(separator: ", ") + (table.count > 12 ? ", …" : "")
            throw .invalidValue("code(): '\(key)' is not in the code table (\(codes))")
        },
    ]
}

/// The `YYYY-MM-DD` of a date written out as one, alone or before `T` or a space and a time; `nil` for
/// anything else, which `excel_date()` then reads as a serial.
private func writtenDate(_ text: String) -> String? {
    let bytes = Array(text.utf8.prefix(11))
    guard bytes.count >= 10, bytes.count == 10 || bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") else { return nil }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9]
    guard digits.allSatisfy({ bytes[$0] &- 48 < 10 }), bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
    let date = String(decoding: bytes[0..<10], as: UTF8.self)
    guard let year = Int(date.prefix(4)), let month = Int(date.dropFirst(5).prefix(2)), let day = Int(date.suffix(2)),
          (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day) else { return nil }
    return date
}
