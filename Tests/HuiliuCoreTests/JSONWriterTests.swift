import HuiliuCore
import Testing

struct JSONWriterTests {
    @Test func writesCompactJSONThatReadsBackEqual() throws {
        let text = #"{"id":"ZF1","amount":1234.50,"n":-7,"ok":true,"none":null,"list":[1,"二",{"x":[]}],"e":1e30}"#
        let value = try JSONReader.parse(text)
        #expect(value.jsonText == text)
        #expect(try JSONReader.parse(value.jsonText) == value)
    }

    @Test func escapesOnlyWhatJSONRequires() {
        let value: Value = .string("汇流 \"q\" \\ \n\t\u{1}\u{1F}/")
        #expect(value.jsonText == #""汇流 \"q\" \\ \n\t\u0001\u001f/""#)
    }

    @Test func writesNonFiniteDoublesAsNull() {
        #expect(Value.array([.double(.nan), .double(.infinity), .double(2.5)]).jsonText == "[null,null,2.5]")
    }

    @Test func indentsWhenPretty() {
        let value: Value = ["a": [1, 2], "b": [:]]
        #expect(value.prettyJSONText == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}")
    }

    @Test func writesExtremeIntegers() {
        #expect(Value.array([.integer(Int.min), .integer(Int.max), .integer(0), .integer(-5)]).jsonText
                == "[-9223372036854775808,9223372036854775807,0,-5]")
    }
}
