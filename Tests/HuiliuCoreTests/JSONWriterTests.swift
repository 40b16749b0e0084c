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

    /// The writer scans eight bytes at a time; an escape anywhere in a word, in the tail, or
    /// several in a row must come out the same as a byte-by-byte writer would put it.
    @Test func escapesAtEveryPositionOfTheWordScan() throws {
        for length in 0..<20 {
            for position in 0...length {
                for special in ["\"", "\\", "\n", "\u{7}", "\"\"", "流"] {
                    var text = String(repeating: "a", count: length)
                    text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: position))
                    let written = Value.string(text).jsonText
                    #expect(try JSONReader.parse(written) == .string(text), "\(written)")
                    #expect(written.count == text.count + 2 + special.reduce(0) { n, c in
                        n + (c == "\"" || c == "\\" || c == "\n" ? 1 : c == "\u{7}" ? 5 : 0) })
                }
            }
        }
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

    /// A writer is a value: a copy taken mid-way keeps what it had, however far either grows.
    @Test func aCopyOfAWriterIsIndependent() {
        var writer = JSONWriter(capacity: 4)
        writer.write(string: "甲")
        var copy = writer
        for k in 0..<1000 { writer.write(.integer(k)) }
        copy.write(string: "乙")
        #expect(String(decoding: copy.bytes, as: UTF8.self) == #""甲""乙""#)
        #expect(writer.count == copy.count - 5 + (0..<1000).reduce(0) { $0 + String($1).utf8.count })
        writer.removeAll()
        #expect(writer.count == 0 && copy.count == 10)
    }
}

struct EnvelopeWritingTests {
    /// Sinks write events straight from the envelope; what they write must be exactly the
    /// event's JSON form, attribute order included, compact and indented.
    @Test func writesAnEventExactlyAsItsJSONForm() {
        var full = Envelope(id: "e1", source: "/huiliu/预算", type: "budget.payment.v1", subject: "ZF\"001",
                            time: "2024-03-05T14:30:00+08:00", datacontenttype: "application/json",
                            dataschema: "https://example.org/s.json", data: ["金额": 12, "list": [1, "a"]],
                            extensions: ["region": "421100", "seq": 7])
        full.dataBase64 = "AAEC"
        let bare = Envelope(id: "e2", source: "s", type: "t")
        for envelope in [full, bare] {
            for pretty in [false, true] {
                var direct = JSONWriter(pretty: pretty)
                direct.write(envelope)
                var viaValue = JSONWriter(pretty: pretty)
                viaValue.write(envelope.json)
                #expect(String(decoding: direct.bytes, as: UTF8.self) == String(decoding: viaValue.bytes, as: UTF8.self))
            }
        }
    }
}
