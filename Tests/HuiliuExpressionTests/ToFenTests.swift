import HuiliuCore
import HuiliuExpression
import Testing

struct ToFenTests {
    @Test(arguments: [
        ("'12.3'", 1230), ("`12.30`", 1230), ("'-0.05'", -5), ("'1,234.50'", 123_450), ("`12`", 1200),
        ("' 7 '", 700), ("'+0.10'", 10), ("'12,345,678.9'", 1_234_567_890), ("'12.300'", 1230), ("'0'", 0),
        ("'.5'", 50), ("`-3.1`", -310),
        // The ideographic space of a Chinese export, as trim and parse_time take it.
        ("'123\u{3000}'", 12300), ("'\u{3000}1,234.50\u{3000}'", 123_450),
        // Full-width forms, as forms typed on Chinese systems hold them, as parse_time takes them.
        ("'１２３'", 12300), ("'１，２３４．５０'", 123_450), ("'－０．０５'", -5),
    ])
    func converts(expression: String, fen: Int) throws {
        let result = try Support.eval("to_fen(\(expression))")
        guard case .integer(let n) = result else { Issue.record("\(expression) gave \(result), not an integer"); return }
        #expect(n == fen, "\(expression)")
    }

    /// A double has already lost exactness (its text may still look right): refused, never rounded.
    @Test func refusesFloatingPointAmounts() throws {
        #expect(Support.errorKind("to_fen(@)", .double(12.3)) == "invalid-value")
        #expect(Support.errorKind("to_fen(@)", .double(.infinity)) == "invalid-value")
        // More than 18 significant digits: once read as the double 0.1, and 10 fen.
        #expect(Support.errorKind("to_fen(@)", try JSONReader.parse("0.10000000000000000001")) == "invalid-value")
        #expect(Support.errorKind("to_fen(@)", try JSONReader.parse("12345678901234567.891")) == "invalid-value")
        #expect(Support.errorKind("to_fen(to_number('0.10000000000000000001'))") == "invalid-value")
        #expect(Support.errorKind("to_fen(sum(`[9223372036854775807, 1]`))") == "invalid-value")
        // Long only in zeros: still exact, still an amount.
        #expect(try Support.eval("to_fen(@)", try JSONReader.parse("1.10000000000000000000")) == 110)
        #expect(try Support.eval("to_fen(@)", try JSONReader.parse("12.3")) == 1230)
        #expect(try Support.eval("to_fen(@)", try JSONReader.parse("1e3")) == 100_000)
        #expect(try Support.eval("to_fen(@)", try JSONReader.parse("10000000000000000.000")) == 1_000_000_000_000_000_000)
    }

    @Test(arguments: ["'12.345'", "`0.001`", "'1.2.3'", "'abc'", "''", "'12元'", "'1,23.00'", "'1,2345'", "',123'",
                      "'1e3'", "'--1'", "'9999999999999999999'",
                      // A decimal comma, not a grouped thousand: 0.123, never 123 yuan.
                      "'0,123'", "'00,123'", "'-0,500'",
                      // Other non-ASCII digits are not read as amounts.
                      "'١٢٣'", "'１２３元'"])
    func refuses(expression: String) {
        #expect(Support.errorKind("to_fen(\(expression))") == "invalid-value", "\(expression)")
    }

    @Test func neverRoundsAndSaysWhy() {
        do {
            _ = try Support.eval("to_fen('12.345')")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("more than two decimal places"))
        }
        // Also when the digits would not even fit: finer than a fen is what is wrong.
        do {
            _ = try Support.eval("to_fen('1.1234567890123456789012')")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("more than two decimal places"), "\(error.message)")
        }
    }

    @Test func nullPassesThroughAndOtherTypesAreRefused() throws {
        #expect(try Support.eval("to_fen(missing)", [:]) == nil)
        #expect(Support.errorKind("to_fen(`true`)") == "invalid-type")
        #expect(Support.errorKind("to_fen(`[1]`)") == "invalid-type")
    }

    @Test func overflowIsAnError() {
        #expect(Support.errorKind("to_fen(@)", .integer(Int.max / 10)) == "invalid-value")
    }
}
