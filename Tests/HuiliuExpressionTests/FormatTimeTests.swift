import HuiliuCore
import HuiliuExpression
import Testing

/// `format_time()` and ``TimeText``: writing times as an API wants them.
struct FormatTimeTests {
    @Test(arguments: [
        ("format_time('2024-03-05T06:30:00Z', 'yyyy-MM-dd HH:mm:ss')", Value("2024-03-05 14:30:00")),
        ("format_time('2024-03-05 14:30:00', 'yyyyMMddHHmmss')", "20240305143000"),
        ("format_time('2024-03-05', 'epoch_ms')", "1709568000000"),
        ("format_time('2024-03-05T06:30:00Z', 'iso8601', 'UTC')", "2024-03-05T06:30:00Z"),
        ("format_time('2024-03-05T06:30:00.250Z', 'yyyy-MM-dd HH:mm:ss.SSS')", "2024-03-05 14:30:00.250"),
        ("format_time(`null`, 'yyyyMMdd')", .null),
    ])
    func writesTimes(_ expression: String, _ expected: Value) throws {
        #expect(try Support.eval(expression) == expected)
    }

    @Test func timeTextRoundTrips() throws {
        let instant = try TimeText.instant(of: "2024-03-05 14:30:00", format: "yyyy-MM-dd HH:mm:ss")
        #expect(instant == 1_709_620_200)
        #expect(try TimeText.format(instant + 86_400, as: "yyyy-MM-dd HH:mm:ss") == "2024-03-06 14:30:00")
        #expect(try TimeText.instant(of: "2024-03-05") == 1_709_568_000, "the shape decides without a format")
        // A cursor read by its shape is read as parse_time reads it: ten digits from 2000000000
        // on are a yyyyMMddHH as much as seconds after 2033, and are refused.
        #expect(throws: ExpressionError.self) { try TimeText.instant(of: "2024030514") }
        #expect(try TimeText.instant(of: "2024030514", format: "yyyyMMddHH") == 1_709_618_400)
        #expect(try TimeText.instant(of: "1709620200") == 1_709_620_200)
        #expect(throws: ExpressionError.self) { try TimeText.validate(format: "YYYY-MM-DD") }
        // A cursor far outside the calendar RFC 3339 writes is an error, not ":000-01-01…" or a trap.
        #expect(try TimeText.format(253_370_764_800 - 1, zone: "UTC") == "9998-12-31T23:59:59Z")
        #expect(throws: ExpressionError.self) { try TimeText.format(253_402_272_000) }
        #expect(throws: ExpressionError.self) { try TimeText.format(Int.max / 100, as: "epoch_ms") }
        #expect(throws: ExpressionError.self) { try TimeText.format(-62_135_596_801) }
    }
}
