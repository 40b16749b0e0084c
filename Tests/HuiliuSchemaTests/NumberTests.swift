import HuiliuCore
import HuiliuSchema
import Testing

/// Numbers: `1.0` is an integer, `multipleOf` is exact for decimals, limits compare exactly.
struct NumberTests {
    static func schema(_ json: String) throws -> Schema { try Schema(JSONReader.parse(json)) }

    @Test func integralDecimalsAreIntegers() throws {
        let schema = try Self.schema(#"{"type": "integer"}"#)
        #expect(schema.isValid(try JSONReader.parse("1.0")))
        #expect(schema.isValid(try JSONReader.parse("1e3")))
        #expect(schema.isValid(try JSONReader.parse("-12.000")))
        #expect(!schema.isValid(try JSONReader.parse("12.5")))
        #expect(!schema.isValid(.double(0.5)))
        #expect(schema.isValid(.double(3)))
    }

    @Test func multipleOfIsExactWithDecimals() throws {
        let cents = try Self.schema(#"{"multipleOf": 0.01}"#)
        #expect(cents.isValid(try JSONReader.parse("19.99")))
        #expect(cents.isValid(try JSONReader.parse("0.3")))
        #expect(!cents.isValid(try JSONReader.parse("0.015")))
        #expect(cents.isValid(.double(0.07)))  // 0.07 is not 7 × 0.01 in binary; its text is
        let tenth = try Self.schema(#"{"multipleOf": 0.1}"#)
        #expect(tenth.isValid(try JSONReader.parse("0.3")))
        let huge = try Self.schema(#"{"multipleOf": 0.123456789}"#)
        #expect(!huge.isValid(try JSONReader.parse("1e308")))
    }

    @Test func limitsCompareExactly() throws {
        let schema = try Self.schema(#"{"exclusiveMaximum": 9007199254740993}"#)
        #expect(schema.isValid(.integer(9_007_199_254_740_992)))
        #expect(!schema.isValid(.integer(9_007_199_254_740_993)))
        let money = try Self.schema(#"{"minimum": 0.01}"#)
        #expect(money.validate(try JSONReader.parse("0.001")).map(\.description) == ["(root): minimum: expected >= 0.01, got 0.001"])
    }
}
