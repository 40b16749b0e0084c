import HuiliuCore
import HuiliuExpression
import Testing

/// `sum` and `avg` stay exact for integers and decimals.
struct ExactArithmeticTests {
    static func decimal(_ text: String) -> Value { .decimal(DecimalNumber(text)!) }

    @Test func sumOfDecimalsIsExact() throws {
        let amounts: Value = [Self.decimal("0.1"), Self.decimal("0.2"), Self.decimal("12.30")]
        let total = try Expression("sum(@)").evaluate(amounts)
        guard case .decimal(let d) = total else { Issue.record("expected a decimal, got \(total)"); return }
        #expect(d.description == "12.60")
    }

    @Test func sumOfIntegersStaysInteger() throws {
        guard case .integer(let n) = try Expression("sum(@)").evaluate([1, 2, 3]) else { Issue.record("not an integer"); return }
        #expect(n == 6)
    }

    @Test func sumOverflowFallsBackToDouble() throws {
        let total = try Expression("sum(@)").evaluate([.integer(.max), 1])
        #expect(total == .double(Double(Int.max) + 1))
    }

    @Test func sumWithDoubleIsDouble() throws {
        guard case .double = try Expression("sum(@)").evaluate([1, .double(0.5)]) else { Issue.record("not a double"); return }
    }

    @Test func averageIsExactWhenItTerminates() throws {
        let average = try Expression("avg(@)").evaluate([1, 2, 3, 4])
        guard case .decimal(let d) = average else { Issue.record("expected a decimal, got \(average)"); return }
        #expect(d.description == "2.5")
        #expect(try Expression("avg(@)").evaluate([Self.decimal("10.10"), Self.decimal("10.20")]).jsonText == "10.15")
        guard case .double(let third) = try Expression("avg(@)").evaluate([1, 1, 2]) else { Issue.record("expected a double"); return }
        #expect(abs(third - 4.0 / 3.0) < 1e-15)
        #expect(try Expression("avg(@)").evaluate([]) == nil)
    }

    @Test func roundingFunctions() throws {
        #expect(try Expression("ceil(`1.001`)").evaluate(nil) == 2)
        #expect(try Expression("ceil(`-1.5`)").evaluate(nil) == -1)
        #expect(try Expression("floor(`-1.5`)").evaluate(nil) == -2)
        #expect(try Expression("floor(`2`)").evaluate(nil) == 2)
        #expect(try Expression("abs(`-12.30`)").evaluate(nil).jsonText == "12.30")
    }

    @Test func toNumberKeepsDigits() throws {
        #expect(try Expression("to_number('12.30')").evaluate(nil).jsonText == "12.30")
        #expect(try Expression("to_number(' 42 ')").evaluate(nil) == 42)
        #expect(try Expression("to_number('0x10')").evaluate(nil) == nil)
        #expect(try Expression("to_number('nan')").evaluate(nil) == nil)
    }
}
