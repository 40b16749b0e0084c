import HuiliuCore
import HuiliuExpression
import Testing

struct TextFunctionTests {
    @Test func caseAndTrim() throws {
        #expect(try Support.eval("trim(@)", "\u{3000}\t黄冈市 \n") == "黄冈市")
        #expect(try Support.eval("trim('')") == "")
        #expect(try Support.eval("upper('abc中')") == "ABC中")
        #expect(try Support.eval("lower('ÀB')") == "àb")
        #expect(try Support.eval("[trim(a), upper(a), lower(a)]", ["a": nil]) == [nil, nil, nil])
        #expect(Support.errorKind("trim(`1`)") == "invalid-type")
    }

    @Test func replaceAndSplit() throws {
        #expect(try Support.eval("replace('a-b-c', '-', '')") == "abc")
        #expect(try Support.eval("replace('黄冈市黄州区', '黄', '皇')") == "皇冈市皇州区")
        #expect(try Support.eval("replace(missing, 'a', 'b')", [:]) == nil)
        #expect(Support.errorKind("replace('abc', '', 'x')") == "invalid-value")
        #expect(try Support.eval("split('a,b,,c', ',')") == ["a", "b", "", "c"])
        #expect(try Support.eval("split('a::b', '::')") == ["a", "b"])
        #expect(try Support.eval("split('', ',')") == [""])
        #expect(Support.errorKind("split('a', '')") == "invalid-value")
        #expect(Support.errorKind("split('a', `1`)") == "invalid-type")
    }

    @Test func regexMatch() throws {
        #expect(try Support.eval(#"regex_match('No. 42', '\d+')"#) == true)
        #expect(try Support.eval(#"regex_match('No. 42', '^\d+$')"#) == false)
        #expect(try Support.eval(#"regex_match(missing, 'x')"#, [:]) == nil)
        #expect(Support.errorKind("regex_match('a', '(')") == "invalid-value")
    }

    @Test func regexExtract() throws {
        #expect(try Support.eval(#"regex_extract('合同编号：HT-2024-017', 'HT-(\d{4})-(\d+)')"#) == "2024")
        #expect(try Support.eval(#"regex_extract('合同编号：HT-2024-017', 'HT-(\d{4})-(\d+)', `2`)"#) == "017")
        #expect(try Support.eval(#"regex_extract('合同编号：HT-2024-017', 'HT-(\d{4})-(\d+)', `0`)"#) == "HT-2024-017")
        #expect(try Support.eval(#"regex_extract('abc 123', '\d+')"#) == "123")
        #expect(try Support.eval(#"regex_extract('abc', '\d+')"#) == nil)
        #expect(try Support.eval(#"regex_extract('ab', 'a(x)?b')"#) == nil)
        #expect(try Support.eval(#"regex_extract('ab', '(?<first>a)b')"#) == "a")
        #expect(Support.errorKind(#"regex_extract('ab', '(a)b', `3`)"#) == "invalid-value")
        #expect(Support.errorKind(#"regex_extract('ab', '(a)b', `-1`)"#) == "invalid-value")
        #expect(Support.errorKind(#"regex_extract('ab', '(a)b', `1.5`)"#) == "invalid-value")
    }

    @Test func coalesce() throws {
        #expect(try Support.eval("coalesce(a, b, c)", ["a": nil, "b": "", "c": "x"]) == "x")
        #expect(try Support.eval("coalesce(a, b)", ["a": 0, "b": "x"]) == 0)
        #expect(try Support.eval("coalesce(a, b)", ["a": false, "b": "x"]) == false)
        #expect(try Support.eval("coalesce(a, b)", ["a": "", "b": nil]) == nil)
        #expect(try Support.eval("coalesce(`[]`)") == [])
        #expect(Support.errorKind("coalesce()") == "invalid-arity")
    }

    /// An upstream code the table lacks is an error naming it (the record is dead-lettered),
    /// where `get` gives `null` and the field quietly disappears; no value stays no value.
    @Test func codeTables() throws {
        let table = #"`{"已支付": "paid", "已退回": "returned", "1": "first"}`"#
        #expect(try Support.eval("code(\(table), s)", ["s": "已退回"]) == "returned")
        #expect(try Support.eval("code(\(table), s)", ["s": "\u{3000}已支付 "]) == "paid")
        #expect(try Support.eval("code(\(table), s)", ["s": 1]) == "first")
        #expect(try Support.eval("code(\(table), s)", ["s": nil]) == nil)
        #expect(try Support.eval("code(\(table), s)", ["s": " "]) == nil)
        #expect(try Support.eval("code(\(table), s)", [:]) == nil)
        #expect(throws: ExpressionError.self) { try Support.eval("code(\(table), s)", ["s": "已冲销"]) }
        do {
            _ = try Support.eval("code(\(table), s)", ["s": "已冲销"])
        } catch {
            #expect(error.message == "code(): '已冲销' is not in the code table ('已支付', '已退回', '1')")
        }
        #expect(Support.errorKind("code(\(table), `1.5`)") == "invalid-value")
        #expect(Support.errorKind("code(`[]`, 'a')") == "invalid-type")
    }

    /// SM3 vectors from domain.md §7.1; SHA-256 from FIPS 180-2.
    @Test func digests() throws {
        #expect(try Support.eval("sm3('abc')") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(try Support.eval("sm3(@)", .string(String(repeating: "abcd", count: 16)))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        #expect(try Support.eval("sm3('')") == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b")
        #expect(try Support.eval("sha256('')") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try Support.eval("sha256(missing)", [:]) == nil)
        #expect(Support.errorKind("sha256(`1`)") == "invalid-type")
    }
}
