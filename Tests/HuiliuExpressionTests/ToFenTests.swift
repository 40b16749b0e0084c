import HuiliuCore
import HuiliuExpression
import Testing

struct ToFenTests {
    @Test(arguments: [
        ("'12.3'", 1230), ("`12.30`", 1230), ("'-0.05'", -5), ("'1,234.50'", 123_450), ("`12`", 1200),
        ("' 7 '", 700), ("'+0.10'", 10), ("'12,345,678.9'", 1_234_567_890), ("'12.300'", 1230), ("'0'", 0),
        ("'.5'", 50), ("`-3.1`", -310),
    ])
    func converts(expression: String, fen: Int) throws {
        let result = try Support.eval("to_fen(\(expression))")
        guard case .integer(let n) = result else { Issue.record("\(expression) gave \(result), not an integer"); return }
        #expect(n == fen, "\(expression)")
    }

    @Test func acceptsDoublesExactToTheFen() throws {
        #expect(try Support.eval("to_fen(@)", .double(12.3)) == 1230)
        #expect(try Support.eval("to_fen(@)", .double(0.07)) == 7)
        #expect(try Support.eval("to_fen(@)", .double(1e3)) == 100_000)
        #expect(Support.errorKind("to_fen(@)", .double(0.125)) == "invalid-value")
        #expect(Support.errorKind("to_fen(@)", .double(.infinity)) == "invalid-value")
    }

    @Test(arguments: ["'12.345'", "`0.001`", "'1.2.3'", "'abc'", "''", "'12元'", "'1,23.00'", "'1,2345'", "',123'",
                      "'1e3'", "'--1'", "'9999999999999999999'"])
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
