import HuiliuCore
import HuiliuExpression
import Testing

/// 序时进度, domain.md §6.3: month method m ÷ 12, day method days elapsed ÷ days in the year.
struct TimeProgressTests {
    @Test(arguments: [
        // domain.md's worked values: end of June 50 %, end of September 75 %.
        ("'2024-06-30'", "50.00"), ("'2024-09-30'", "75.00"), ("'2024-06-01'", "50.00"),
        // July: 7/12 = 58.33 %, where the §6.3 notice's figures imply 58.00 (agencies round differently).
        ("'2024-07-31'", "58.33"), ("'2024-12-31'", "100.00"), ("'2024-01-15 08:00:00'", "8.33"),
        // Day method: 2024 is a leap year (182 of 366), 2023 is not (181 of 365).
        ("'2024-06-30', 'day'", "49.73"), ("'2023-06-30', 'day'", "49.59"), ("'2024-12-31', 'day'", "100.00"),
        ("'2024-01-01', 'day'", "0.27"), ("'2024年7月15日', 'day'", "53.83"),
    ])
    func givesTheShareOfTheYearElapsed(arguments: String, percent: String) throws {
        let result = try Support.eval("time_progress(\(arguments))")
        #expect(result == .decimal(DecimalNumber(percent)!), "time_progress(\(arguments)) = \(result)")
        #expect(result.jsonText == percent)
    }

    /// The 进度差 (progress gap) of the §6.3 notice: 56.47 % executed at the end of July, "1.53
    /// pp below time progress", so its time progress is 58.00, where the month method gives
    /// 58.33: agencies round differently, which is why reported rates are stored as they are.
    @Test func theNoticesFigureDiffersFromTheMonthMethod() throws {
        #expect(try Support.eval("sum(`[56.47, 1.53]`)").jsonText == "58.00")
        #expect(try Support.eval("time_progress('2024-07-31')").jsonText == "58.33")
    }

    @Test func refusesWhatItCannotRead() throws {
        #expect(try Support.eval("time_progress(`null`)") == .null)
        #expect(throws: ExpressionError.self) { try Support.eval("time_progress('2024-07-31', 'week')") }
        #expect(throws: ExpressionError.self) { try Support.eval("time_progress('2024-02-30')") }
    }
}

/// 预算执行率 and 进度差 (domain.md §6.3), exact: `percent` and `subtract`.
struct PercentAndSubtractTests {
    @Test(arguments: [
        // The alert example of config/schema/alert.json: 41.20 % executed.
        ("`41200000`, `100000000`", "41.20"),
        // The §6.3 notice: 56.47 % at the end of July.
        ("`5647`, `10000`", "56.47"),
        // The month method's time progress is period_month as a share of 12, as time_progress gives it.
        ("`7`, `12`", "58.33"), ("`6`, `12`", "50.00"), ("`9`, `12`", "75.00"),
        // Half away from zero, both ways: 1/8 = 12.5 %, 1/3 = 33.33 %, 2/3 = 66.67 %, -1/8 = -12.50 %.
        ("`1`, `8`", "12.50"), ("`1`, `3`", "33.33"), ("`2`, `3`", "66.67"), ("`-1`, `8`", "-12.50"),
        ("`1`, `80000`", "0.00"), ("`1`, `-20000`", "-0.01"),
        // Decimals are read exactly: 0.1 of 0.3 yuan is a third.
        ("`0.1`, `0.3`", "33.33"), ("`12.5`, `1000`", "1.25"), ("`150`, `100`", "150.00"),
    ])
    func percentIsExact(arguments: String, expected: String) throws {
        #expect(try Support.eval("percent(\(arguments))").jsonText == expected, "percent(\(arguments))")
    }

    @Test func percentOfNothingOrOfNullIsNull() throws {
        #expect(try Support.eval("percent(`5`, `0`)") == .null)
        #expect(try Support.eval("percent(`null`, `10`)") == .null)
        #expect(try Support.eval("percent(`5`, `null`)") == .null)
        #expect(throws: ExpressionError.self) { try Support.eval("percent('5', `10`)") }
    }

    @Test(arguments: [
        ("`56.47`, `58.00`", "-1.53"), ("`41.20`, `58`", "-16.80"), ("`75`, `58.33`", "16.67"),
        ("`10`, `3`", "7"), ("`0.1`, `0.3`", "-0.2"),
    ])
    func subtractIsExact(arguments: String, expected: String) throws {
        #expect(try Support.eval("subtract(\(arguments))").jsonText == expected, "subtract(\(arguments))")
    }

    @Test func subtractingNullIsNull() throws {
        #expect(try Support.eval("subtract(`null`, `1`)") == .null)
        #expect(try Support.eval("subtract(`1`, `null`)") == .null)
    }
}
