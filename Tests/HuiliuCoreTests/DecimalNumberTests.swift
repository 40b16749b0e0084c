import HuiliuCore
import Testing

struct DecimalNumberTests {
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
