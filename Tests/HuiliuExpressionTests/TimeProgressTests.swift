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
