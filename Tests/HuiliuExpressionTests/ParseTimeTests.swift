import HuiliuCore
import HuiliuExpression
import Testing

struct ParseTimeTests {
    static func parse(_ args: String, _ input: Value = .null) throws(ExpressionError) -> String? {
        try Support.eval("parse_time(\(args))", input).stringValue
    }

    @Test(arguments: [
        ("'20240305'", "2024-03-05T00:00:00+08:00"),
        ("'20240305143000'", "2024-03-05T14:30:00+08:00"),
        ("'2024-03-05 14:30:00'", "2024-03-05T14:30:00+08:00"),
        ("'2024-03-05'", "2024-03-05T00:00:00+08:00"),
        ("'2024/03/05 14:30:00'", "2024-03-05T14:30:00+08:00"),
        ("'2024/3/5'", "2024-03-05T00:00:00+08:00"),
        ("'2024-03-05T14:30:00'", "2024-03-05T14:30:00+08:00"),
        ("'2024-03-05T06:30:00Z'", "2024-03-05T14:30:00+08:00"),
        ("'2024-03-05T14:30:00+08:00'", "2024-03-05T14:30:00+08:00"),
        ("'2024-03-04T22:30:00.250-08:00'", "2024-03-05T14:30:00.250+08:00"),
        ("'2024-03-05T14:30:00.123456+0800'", "2024-03-05T14:30:00.123456+08:00"),
        ("'2024-03-05T14:30'", "2024-03-05T14:30:00+08:00"),
        ("'2024年3月5日'", "2024-03-05T00:00:00+08:00"),
        ("'2024年03月05日 14时30分'", "2024-03-05T14:30:00+08:00"),
        ("'2024年3月5日 14:30'", "2024-03-05T14:30:00+08:00"),
        ("'2024年3月5日14点30分15秒'", "2024-03-05T14:30:15+08:00"),
        ("'２０２４年３月５日'", "2024-03-05T00:00:00+08:00"),
        ("`1709620200000`", "2024-03-05T14:30:00+08:00"),
        ("'1709620200000'", "2024-03-05T14:30:00+08:00"),
        ("'1709620200'", "2024-03-05T14:30:00+08:00"),
        ("`1709620200123`", "2024-03-05T14:30:00.123+08:00"),
        // A number is read by its digits as text is: ten are seconds, not 1970-01-21 in milliseconds.
        ("`1709620200`", "2024-03-05T14:30:00+08:00"),
        ("`1709620200.5`", "2024-03-05T14:30:00.500+08:00"),
        ("`20240305`", "2024-03-05T00:00:00+08:00"),
        ("`20240305143000`", "2024-03-05T14:30:00+08:00"),
        ("'20160824003817000'", "2016-08-24T00:38:17+08:00"),
        ("'  2024-03-05  '", "2024-03-05T00:00:00+08:00"),
    ])
    func autoDetects(input: String, expected: String) throws {
        #expect(try Self.parse(input) == expected, "\(input)")
    }

    @Test func explicitFormatsAreTriedInOrder() throws {
        #expect(try Self.parse("'05/03/2024', 'dd/MM/yyyy'") == "2024-03-05T00:00:00+08:00")
        #expect(try Self.parse("'2024-03-05 14:30:00', `[\"yyyyMMdd\", \"yyyy-MM-dd HH:mm:ss\"]`") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("`20240305`, 'yyyyMMdd'") == "2024-03-05T00:00:00+08:00")
        #expect(try Self.parse("`1709620200`, 'epoch_s'") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("'1709620200000', 'epoch_ms'") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("'2024-03-05T14:30:00Z', 'iso8601'") == "2024-03-05T22:30:00+08:00")
        #expect(try Self.parse("'2024年3月5日 14时30分', 'chinese'") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("'2024-03-05T14:30:00', 'yyyy-MM-ddTHH:mm:ss'") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("'2024.03.05 14:30 +0800', 'yyyy.MM.dd HH:mm X'") == "2024-03-05T14:30:00+08:00")
    }

    /// A number read two ways is refused, not guessed: 12 digits are milliseconds of 1973–2001
    /// and a yyyyMMddHHmm (the text form reads the latter), and a fraction makes no date. Named,
    /// the format reads it; a negative number is milliseconds before 1970.
    @Test func ambiguousNumbersAreRefusedUnlessTheFormatIsNamed() throws {
        for ambiguous in ["`202403051430`", "`978307200000`", "`17096202001`", "`20240305143000.5`", "`1709620200123456`",
                          "`2024030514`", "'2024030514'"] {
            #expect(Support.errorKind("parse_time(\(ambiguous))") == "invalid-value", "\(ambiguous)")
        }
        #expect(try Self.parse("`978307200000`, 'epoch_ms'") == "2001-01-01T08:00:00+08:00")
        #expect(try Self.parse("`202403051430`, 'yyyyMMddHHmm'") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("'202403051430'") == "2024-03-05T14:30:00+08:00")
        #expect(try Self.parse("`-631152000000`") == "1950-01-01T08:00:00+08:00")
        #expect(try Self.parse("'2024030514', 'yyyyMMddHH'") == "2024-03-05T14:00:00+08:00")
        #expect(try Self.parse("'1999999999'") == "2033-05-18T11:33:19+08:00")
    }

    /// A number of fewer than 8 digits is no timestamp (milliseconds within three hours of 1970):
    /// most likely an Excel date serial, which excel_date() reads, not a silent 1970-01-01.
    @Test func shortNumbersAreRefusedAndExcelSerialsRead() throws {
        for short in ["`45356`", "`0`", "`9999999`", "`45356.5`", "`-1`", "`-45356`", "`123456789`", "`20240305.5`"] {
            #expect(Support.errorKind("parse_time(\(short))") == "invalid-value", "\(short)")
            #expect(Support.errorKind("to_date(\(short))") == "invalid-value", "\(short)")
        }
        #expect(try Self.parse("`45356`, 'epoch_ms'") == "1970-01-01T08:00:45.356+08:00")
        #expect(try Support.eval("excel_date(`45356`)") == "2024-03-05")
        #expect(try Support.eval("excel_date(`1`)") == "1900-01-01")
        #expect(try Support.eval("excel_date(`59`)") == "1900-02-28")
        #expect(try Support.eval("excel_date(`61`)") == "1900-03-01")
        #expect(try Support.eval("excel_date(`45356.99`)") == "2024-03-05")
        #expect(try Support.eval("excel_date(null)") == nil)
        // A date cell of an XLSX sheet reads as its date already: the same mapping takes either.
        #expect(try Support.eval("excel_date('2024-03-05')") == "2024-03-05")
        #expect(try Support.eval("excel_date('2024-03-05T08:30:00')") == "2024-03-05")
        #expect(try Support.eval("excel_date('2024-03-05 08:30:00')") == "2024-03-05")
        // A time with an offset is dated as to_date dates it, in China time; a time that is none is refused.
        #expect(try Support.eval("excel_date('2024-03-05T20:30:00Z')") == "2024-03-06")
        #expect(try Support.eval("excel_date('2024-03-05T20:30:00Z')") == Support.eval("to_date('2024-03-05T20:30:00Z')"))
        for bad in ["`60`", "`0`", "`-1`", "'x'", "`2958466`", "'2024-02-30'", "'2024-03-05_08:30'", "'2024-3-5'",
                    "'2024-03-05Tgarbage'", "'2024-03-05 25:00:00'"] {
            #expect(Support.errorKind("excel_date(\(bad))") == "invalid-value", "\(bad)")
        }
    }

    @Test func zonesRenderTheSameInstant() throws {
        #expect(try Self.parse("'2024-03-05 14:30:00', null, 'UTC'") == "2024-03-05T14:30:00Z")
        #expect(try Self.parse("'2024-03-05T14:30:00+08:00', null, 'UTC'") == "2024-03-05T06:30:00Z")
        #expect(try Self.parse("'2024-07-01T12:00:00Z', null, 'America/New_York'") == "2024-07-01T08:00:00-04:00")
        #expect(try Self.parse("'2024-01-15 08:00:00', null, 'America/New_York'") == "2024-01-15T08:00:00-05:00")
        // Clocks went 02:00 → 03:00 on 2024-03-10: a skipped wall time moves forward, never back.
        #expect(try Self.parse("'2024-03-10 02:30:00', null, 'America/New_York'") == "2024-03-10T03:30:00-04:00")
        // And 02:00 → 01:00 on 2024-11-03: a repeated wall time is the earlier instant.
        #expect(try Self.parse("'2024-11-03 01:30:00', null, 'America/New_York'") == "2024-11-03T01:30:00-04:00")
        // The same east of UTC: London's 01:30 on 2024-10-27 is first BST, and Shanghai's
        // 01:30 on 1991-09-15, when its last summer time ended, is first +09:00.
        #expect(try Self.parse("'2024-10-27 01:30:00', null, 'Europe/London'") == "2024-10-27T01:30:00+01:00")
        #expect(try Self.parse("'2024-03-31 01:30:00', null, 'Europe/London'") == "2024-03-31T02:30:00+01:00")
        #expect(try Self.parse("'1991-09-15 01:30:00'") == "1991-09-15T01:30:00+09:00")
        #expect(try Self.parse("'2024-03-05T14:30:00Z', null, '+05:30'") == "2024-03-05T20:00:00+05:30")
        // China observed summer time in 1986–1991; the tz rules know it.
        #expect(try Self.parse("'1988-07-01 12:00:00'") == "1988-07-01T12:00:00+09:00")
    }

    @Test(arguments: ["'2024-02-30'", "'20230229'", "'2024-13-01'", "'2024-03-05 24:00:00'", "'2024年2月30日'",
                      "'2024-03-05 12:60:00'", "'20240230120000'"])
    func impossibleDatesAreErrors(input: String) {
        #expect(Support.errorKind("parse_time(\(input))") == "invalid-value", "\(input)")
    }

    @Test func leapDayIsADate() throws {
        #expect(try Self.parse("'20240229'") == "2024-02-29T00:00:00+08:00")
        #expect(try Self.parse("'2000-02-29'") == "2000-02-29T00:00:00+08:00")
        #expect(Support.errorKind("parse_time('1900-02-29')") == "invalid-value")
    }

    @Test(arguments: ["'yesterday'", "'2024-03'", "'202403'", "'2024-03-05T14:30:00+25:00'", "'2024-03-05 14:30:00 CST'"])
    func unrecognisedTextIsAnError(input: String) {
        #expect(Support.errorKind("parse_time(\(input))") == "invalid-value", "\(input)")
    }

    @Test func badArgumentsAreErrors() {
        #expect(Support.errorKind("parse_time('2024-03-05', 'YYYY-MM-DD')") == "invalid-value")
        #expect(Support.errorKind("parse_time('2024-03-05', 'HH:mm')") == "invalid-value")
        // A field twice, or a unit without the one above it, is a typo that would shift values.
        for format in ["yyyy-MM-dd HH:MM:SS", "yyyy-MM-dd HH:mm:SS", "yyyy-MM-dd mm", "yyyyMMddMM"] {
            #expect(Support.errorKind("parse_time('2024-03-05 10:20:30', '\(format)')") == "invalid-value", "\(format)")
        }
        #expect { try Support.eval("parse_time('2024-03-05 10:20:30', 'yyyy-MM-dd HH:MM:SS')") } throws: {
            "\($0)".contains("format 'yyyy-MM-dd HH:MM:SS': 'M' appears twice; minutes are 'mm'")
        }
        // A pattern written out is checked when the expression compiles, as a manifest's is:
        // found at run time, it failed every record while lint said nothing.
        for text in ["parse_time(t, 'yyyy-MM-dd HH:MM:ss')", "parse_time(t, ['yyyyMMdd', 'yyyy-MM-dd HH:MM:ss'])", "format_time(t, 'HH:MM')"] {
            #expect(throws: ExpressionError.self, "\(text)") { try Expression(text, functions: Support.functions) }
        }
        #expect(throws: Never.self) { try Expression("parse_time(t, 'yyyy-MM-dd HH:mm:ss')", functions: Support.functions) }
        #expect(Support.errorKind("parse_time('2024-03-05', null, 'Mars/Olympus')") == "invalid-value")
        #expect(Support.errorKind("parse_time('2024-03-05', 'yyyyMMdd')") == "invalid-value")
        #expect(Support.errorKind("parse_time(`true`)") == "invalid-type")
        #expect(Support.errorKind("parse_time('x', `[1]`)") == "invalid-type")
    }

    /// Epoch values anywhere in years 0000–9999 render; beyond, or beyond what 64 bits of
    /// nanoseconds hold, they are errors, never a crash. (Expected values from Python's zoneinfo.)
    @Test func epochValuesFarFromNowRenderOrFail() throws {
        #expect(try Self.parse("'9999999999', 'epoch_s'") == "2286-11-21T01:46:39+08:00")
        #expect(try Self.parse("`253402271999000`, 'epoch_ms'") == "9999-12-31T23:59:59+08:00")
        #expect(try Self.parse("`-1`, 'epoch_ms'") == "1970-01-01T07:59:59.999+08:00")
        // Past 64 bits of nanoseconds (this once trapped). Before 1901 Shanghai kept local mean
        // time, +08:05:43, which RFC 3339 can only give to the minute: the instant stays exact.
        #expect(try Self.parse("`-9223372036854`") == "1677-09-21T08:18:43.146+08:06")
        #expect(try Self.parse("'-9223372036', 'epoch_s'") == "1677-09-21T08:18:44+08:06")
        for huge in ["`-9223372036854775808`", "`9223372036854775807`", "`1e30`", "`-1e30`, 'epoch_s'", "`253402272000000`"] {
            #expect(Support.errorKind("parse_time(\(huge))") == "invalid-value", "\(huge)")
        }
    }

    @Test func blanksAndNullsStayNull() throws {
        #expect(try Support.eval("parse_time(missing)", [:]) == nil)
        #expect(try Support.eval("parse_time('')") == nil)
        #expect(try Support.eval("parse_time('  ')") == nil)
    }
}
