import HuiliuCore
import Testing

struct JSONReaderTests {
    /// Numbers longer than a 64-bit significand stay exact when their extra digits are zeros;
    /// only those that really need more than 18 digits become doubles.
    @Test func longNumbersStayExactWhenOnlyZerosMakeThemLong() throws {
        func decimal(_ text: String) throws -> (Int, Int)? {
            guard case .decimal(let d) = try JSONReader.parse(text) else { return nil }
            return (d.significand, d.exponent)
        }
        #expect(try decimal("1.10000000000000000000")! == (11, -1))
        #expect(try decimal("100000000000000000000")! == (1, 20))
        #expect(try decimal("-1.50000000000000000000e2")! == (-15, 1))
        #expect(try decimal("0.000000000000000000000123")! == (123, -24))
        guard case .double(let d) = try JSONReader.parse("0.10000000000000000001") else {
            Issue.record("more than 18 significant digits should be a double")
            return
        }
        #expect(d == 0.1)
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try JSONReader.parse(#"{"a":null,"b":true,"c":false,"n":-12,"d":1234.50,"e":1.5e3,"s":"x","l":[1,[2]],"o":{}}"#)
        #expect(value["a"] == .null)
        #expect(value["b"] == .bool(true))
        #expect(value["n"] == .integer(-12))
        #expect(value["d"] == .decimal(DecimalNumber(significand: 123450, exponent: -2)))
        #expect(value["e"]?.intValue == 1500)
        #expect(value["l"] == [1, [2]])
        #expect(value["o"] == .object(Object()))
        #expect(value.objectValue?.keys == ["a", "b", "c", "n", "d", "e", "s", "l", "o"])
    }

    /// A reader reuses the keys it read at the same position of the last object; a key that
    /// only starts like the cached one, is spelled with an escape, or is new must still be read.
    @Test func readsKeysRightWhenTheyDifferFromTheLastObjects() throws {
        var reader = JSONReader()
        func parse(_ text: String) throws -> Value {
            var bytes = Array(text.utf8)
            return try bytes.withUnsafeMutableBytes { try reader.parse(UnsafeRawBufferPointer($0)) }
        }
        let lines = [
            #"{"id":1,"名称":"甲","ab":{"x":1}}"#,
            #"{"id":2,"名称":"乙","ab":{"x":2}}"#,
            #"{"idx":3,"名":"丙","a\u0062":{"xy":3}}"#,
            #"{"i":4,"名称X":"丁","ab":{"x":4},"":5}"#,
            #"{"id":5,"id":6}"#,
            #"{"":7}"#,
        ]
        let keys = try lines.map { try parse($0).objectValue!.keys }
        #expect(keys == [["id", "名称", "ab"], ["id", "名称", "ab"], ["idx", "名", "ab"], ["i", "名称X", "ab", ""], ["id"], [""]])
        #expect(try parse(lines[2])["ab"]?["xy"] == 3)
        // A repeated key is still found as a repeat, and the later value wins.
        #expect(try parse(lines[4])["id"] == 6)
        // So in an object of many keys, whose fingerprints are kept in a set past a few dozen
        // (searched one by one, an object of 40,000 keys took a minute): 100,000 keys, one of
        // them twice, nested objects of their own keys between.
        var text = "{"
        for k in 0..<100_000 { text += #""k\#(k)":\#(k == 99_999 ? "{\"k1\":1,\"k1\":2}" : "\(k)"),"# }
        text += #""k40":"again"}"#
        let many = try parse(text).objectValue!
        #expect(many.count == 100_000)
        #expect(many["k40"] == "again" && many["k41"] == 41)
        #expect(many["k99999"]?.objectValue?.count == 1 && many["k99999"]?["k1"] == 2)
    }

    /// Cached keys of up to sixteen bytes are compared a word at a time: keys that differ only
    /// in their last byte, in the second word, at exactly sixteen bytes, beyond it, or that sit
    /// at the very end of the input must each be told apart.
    @Test func tellsCachedKeysApartByEveryByte() throws {
        var reader = JSONReader()
        func keys(_ text: String) throws -> [String] {
            var bytes = Array(text.utf8)
            return try bytes.withUnsafeMutableBytes { try reader.parse(UnsafeRawBufferPointer($0)) }.objectValue!.keys
        }
        let pairs: [(String, String)] = [
            ("abcdefg", "abcdefh"), ("abcdefgh", "abcdefgi"), ("abcdefghi", "abcdefghj"), ("payment_account", "payment_accounu"),
            ("exactly16bytes!!", "exactly16bytes!?"), ("seventeen_bytes__", "seventeen_bytes_x"), ("名称名称名", "名称名称吕"),
        ]
        for (first, second) in pairs {
            #expect(try keys(#"{"\#(first)":1}"#) == [first])
            #expect(try keys(#"{"\#(second)":1}"#) == [second])
            #expect(try keys(#"{"\#(first)":1}"#) == [first])
            // The last member's key ends within sixteen bytes of the input's end.
            #expect(try keys(#"{"z":0,"\#(second)":1}"#) == ["z", second])
            #expect(try keys(#"{"z":0,"\#(first)":1}"#) == ["z", first])
        }
    }

    @Test func keepsDecimalsExact() throws {
        // 0.1 + 0.2 style inputs must not turn into binary floats.
        let value = try JSONReader.parse("[0.1, 12345678.90, -0.05, 99999999999999.99]")
        #expect(value.jsonText == "[0.1,12345678.90,-0.05,99999999999999.99]")
        #expect(value[0] == .decimal(DecimalNumber(significand: 1, exponent: -1)))
        #expect(DecimalNumber("12345678.90")?.scaled(toFractionDigits: 2) == 1_234_567_890)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONReader.parse(#""\u6c47\u6d41 \"q\" \\ \/ \b\f\n\r\t \ud83d\ude00""#)
        #expect(value == .string("汇流 \"q\" \\ / \u{8}\u{c}\n\r\t 😀"))
    }

    @Test func readsRawUTF8ChineseText() throws {
        #expect(try JSONReader.parse(#"{"单位":"北京市朝阳区财政局"}"#)["单位"] == "北京市朝阳区财政局")
    }

    @Test(arguments: [
        ("[1,2] x", 6, "unexpected character 'x' after the JSON value"),
        ("{\"a\" 1}", 5, "expected ':' after object key, found character '1'"),
        ("[1,]", 3, "expected a JSON value, found character ']'"),
        ("01", 0, "numbers must not have leading zeros"),
        ("\"\\ud800x\"", 1, "lone high surrogate \\uD800 is not followed by a low surrogate"),
        ("\"\\udc00\"", 1, "lone low surrogate \\uDC00"),
        ("\"\\q\"", 1, "invalid escape '\\q'"),
        ("\"a\u{1}\"", 2, "unescaped control character 0x1 in string"),
        ("tru", 3, "unexpected end of input"),
        ("{\"a\":[1,2}", 9, "expected ',' or ']' after array element, found character '}'"),
        ("1.", 2, "unexpected end of input"),
        ("-x", 1, "expected a digit, found character 'x'"),
    ])
    func rejectsMalformedTextWithTheByteOffset(input: String, offset: Int, message: String) {
        #expect(throws: JSONError.self) { try JSONReader.parse(input) }
        do {
            _ = try JSONReader.parse(input)
        } catch {
            #expect(error.offset == offset)
            #expect(error.message == message)
        }
    }

    @Test func rejectsInvalidUTF8WithTheOffendingByte() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0x61, 0xFF, 0x22], 2),                 // never valid
            ([0x22, 0xC0, 0xAF, 0x22], 1),                 // overlong
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 2),           // encoded surrogate
            ([0x22, 0xE6, 0xB1, 0x22], 3),                 // truncated sequence
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2),     // above U+10FFFF
            ([0x22, 0xF0, 0x9F, 0x98, 0x41, 0x22], 4),     // cut-off four-byte sequence (same length once repaired)
            ([0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xE6, 0xB1, 0x22], 11),  // after a fast eight-byte run
        ]
        for (bytes, offset) in cases {
            do {
                _ = try JSONReader.parse(bytes)
                Issue.record("accepted invalid UTF-8 \(bytes)")
            } catch {
                #expect(error.offset == offset, "bytes \(bytes)")
                #expect(error.message.hasPrefix("invalid UTF-8 byte"))
            }
        }
    }

    @Test func reportsIncompleteInputSoStreamsCanReadMore() {
        for prefix in ["{\"a\":", "[1,2", "\"abc", "\"\\u00", "12.", "\"\u{6C47}"] {
            do {
                _ = try JSONReader.parse(Array(prefix.utf8.dropLast(prefix.hasSuffix("\u{6C47}") ? 1 : 0)))
                Issue.record("accepted \(prefix)")
            } catch {
                #expect(error.isIncomplete, "\(prefix): \(error)")
            }
        }
    }

    @Test func parsesAValuePrefixAndReportsWhereItEnded() throws {
        let bytes = Array(#"  {"a":1} , [2]"#.utf8)
        let (value, end) = try bytes.withUnsafeBytes { try JSONReader.parsePrefix($0, from: 0) }
        #expect(value == ["a": 1])
        #expect(end == 9)
    }

    @Test func refusesPathologicalNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONError.self) { try JSONReader.parse(deep) }
    }

    /// An integer beyond 64 bits keeps its digits (as text: it is an identifier far more often
    /// than a quantity); a huge number with a fraction or exponent is a double.
    @Test func keepsTheDigitsOfHugeIntegers() throws {
        #expect(try JSONReader.parse("12345678901234567890") == "12345678901234567890")
        #expect(try JSONReader.parse("[-123456789012345678901234567890]") == ["-123456789012345678901234567890"])
        #expect(try JSONReader.parse("9223372036854775807") == .integer(.max))
        #expect(try JSONReader.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONReader.parse("100000000000000000000") == .decimal(DecimalNumber(significand: 1, exponent: 20)))
        #expect(try JSONReader.parse("1.2345678901234567890123e5") == .double(123456.78901234567))
        #expect(try JSONReader.parse("1e400").doubleValue == .infinity)
    }

    @Test func laterDuplicateKeysReplaceEarlierOnes() throws {
        let value = try JSONReader.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
    }
}
