import HuiliuCore

extension HuiliuFunctions {
    /// Budget supervision figures (domain.md §6.3).
    static let budget: [ExpressionFunction] = [
        ExpressionFunction(
            "time_progress", [P("date", [.string, .number, .null]), .optional("method", [.string, .null])], returns: [.number, .null],
            summary: """
            序时进度 (time progress): the share of the fiscal year (the calendar year) elapsed at `date`, as a percentage rounded half up to two decimals. \
            `method` is `month` (the default: the date's month counts as complete, as execution reports run to month-end, so June gives 50 and July 58.33) \
            or `day` (days elapsed, the date included, over the days of the year: 2024-06-30 is day 182 of 366, 49.73). \
            Agencies round differently (a notice's end-of-July figure implies 58.00): keep a rate the upstream reports rather than recomputing it. \
            The date is read as `to_date` reads it; `null` gives `null`.
            """,
            example: Example("time_progress('2024-09-30')", result: .decimal(DecimalNumber("75.00")!))
        ) { args throws(ExpressionError) in
            if args[0].isNull { return .null }
            let method = args.optional(1)?.stringValue ?? "month"
            guard case .string(let text) = try TimestampParsing.parseTime(args[0], formats: nil, zone: nil) else { return .null }
            // RFC 3339 from parse_time: YYYY-MM-DD… in the zone the date was read in.
            let digits = Array(text.utf8.prefix(10))
            func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 48) } }
            let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
            let (elapsed, whole): (Int, Int)
            switch method {
            case "month":
                (elapsed, whole) = (month, 12)
            case "day":
                let first = CivilCalendar.days(year: year, month: 1, day: 1)
                (elapsed, whole) = (CivilCalendar.days(year: year, month: month, day: day) - first + 1,
                                    CivilCalendar.days(year: year + 1, month: 1, day: 1) - first)
            default:
                throw .invalidValue("time_progress(): method must be 'month' or 'day', got '\(method)'")
            }
            // Hundredths of a percent, rounded half up, exactly: 10,000 × elapsed ÷ whole.
            let hundredths = (20_000 * elapsed + whole) / (2 * whole)
            return .decimal(DecimalNumber(significand: hundredths, exponent: -2))
        }.checkingLiterals { literals throws(ExpressionError) in
            if case .string(let method)?? = literals[safe: 1], method != "month", method != "day" {
                throw .invalidValue("time_progress(): method must be 'month' or 'day', got '\(method)'")
            }
        },
        ExpressionFunction(
            "percent", [P("part", [.number, .null]), P("whole", [.number, .null])], returns: [.number, .null],
            summary: """
            `part` as a percentage of `whole`, rounded half away from zero to two decimals, computed exactly: \
            预算执行率 (execution rate) is `percent(spent_cumulative_fen, budget_fen)`, and the month method's 序时进度 \
            is `period_month` as a percentage of 12. `null` when either is `null` or `whole` is 0 (a rate of nothing is not a number).
            """,
            example: Example("percent(`4120`, `10000`)", result: .decimal(DecimalNumber("41.20")!))
        ) { args throws(ExpressionError) in
            ExactArithmetic.percent(args[0], of: args[1]) ?? .null
        },
        ExpressionFunction(
            "subtract", [P("minuend", [.number, .null]), P("subtrahend", [.number, .null])], returns: [.number, .null],
            summary: """
            `minuend − subtrahend`, exact for integers and decimals (41.20 − 58 is -16.80, not \
            -16.799999999999997): 进度差 (progress gap) is `subtract(execution_rate, time_progress)`. `null` when either is `null`.
            """,
            example: Example("subtract(`56.47`, `58.00`)", result: -1.53)
        ) { args throws(ExpressionError) in
            if args[0].isNull || args[1].isNull { return .null }
            return ExactArithmetic.difference(args[0], args[1])
        },
    ]
}
