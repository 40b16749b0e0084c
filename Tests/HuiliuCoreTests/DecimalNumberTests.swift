import HuiliuCore
import Testing

struct DecimalNumberTests {
    /// Comparison is exact whatever the digits and exponents: never through Double.
    @Test func comparesExactly() {
        func d(_ significand: Int, _ exponent: Int) -> DecimalNumber { DecimalNumber(significand: significand, exponent: exponent) }
        // 922337203685477581 and 922337203685477580.7 are one Double.
        #expect(DecimalNumber.compare(d(922_337_203_685_477_581, 0), d(9_223_372_036_854_775_807, -1)) == 1)
        #expect(DecimalNumber.compare(d(1, 400), d(1, 500)) == -1)
        #expect(DecimalNumber.compare(d(-1, 500), d(-1, 400)) == -1)
        #expect(DecimalNumber.compare(d(10, -1), d(1, 0)) == 0)
        #expect(DecimalNumber.compare(d(-5, -3), d(-4, -3)) == -1)
        #expect(DecimalNumber.compare(d(0, 7), d(0, -3)) == 0)
        #expect(DecimalNumber.compare(d(-1, 0), d(0, 0)) == -1)
        #expect(DecimalNumber.compare(d(Int.min, 0), d(Int.max, 0)) == -1)
        #expect(DecimalNumber.compare(d(123_456_789_012_345_678, -18), d(1_234_567_890_123_456_781, -19)) == -1)
    }

    @Test(arguments: [("12.30", 1230), ("-0.05", -5), ("7", 700), ("1e2", 10000), ("0.1", 10)])
    func scalesExactlyToFen(text: String, fen: Int) {
        #expect(DecimalNumber(text)?.scaled(toFractionDigits: 2) == fen)
    }

    @Test func refusesToDropDigitsWhenScaling() {
        #expect(DecimalNumber("12.345")?.scaled(toFractionDigits: 2) == nil)
        #expect(DecimalNumber("12.340")?.scaled(toFractionDigits: 2) == 1234)
    }

    @Test func keepsTrailingZerosInText() {
        #expect(DecimalNumber("1234.50")?.description == "1234.50")
        #expect(DecimalNumber("0.005")?.description == "0.005")
        #expect(DecimalNumber("-0.5")?.description == "-0.5")
    }

    @Test func comparesAcrossScales() {
        #expect(DecimalNumber.compare(DecimalNumber("1.10")!, DecimalNumber("1.1")!) == 0)
        #expect(DecimalNumber.compare(DecimalNumber("2")!, DecimalNumber("10.5")!) == -1)
        #expect(Value.decimal(DecimalNumber("1.0")!) == .integer(1))
        #expect(Value.decimal(DecimalNumber("1.5")!) != .integer(1))
    }

    @Test func rejectsText() {
        for text in ["", "abc", "1.2.3", "--1", "1e", "0x10"] { #expect(DecimalNumber(text) == nil, "\(text)") }
    }
}
