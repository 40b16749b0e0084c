import HuiliuCore
import Testing

struct RecordKeyTests {
    /// One number is one key however the upstream writes it, so a record keeps one event id.
    @Test func aNumberHasOneText() throws {
        let spellings = ["7", "7.0", "7.00", "0.7e1", "700e-2"]
        let keys = try spellings.map { RecordKey.part(try JSONReader.parse($0)) }
        #expect(Set(keys) == ["7"])
        #expect(RecordKey.part(try JSONReader.parse("1.50")) == "1.5")
        #expect(RecordKey.part(try JSONReader.parse("-0.250")) == "-0.25")
        // Past 64 bits the text is still one per number.
        let large = try ["1e19", "10e18", "1.0e19", "100000000000000000000e-1"].map { RecordKey.part(try JSONReader.parse($0)) }
        #expect(Set(large) == ["1e19"])
        #expect(RecordKey.part(try JSONReader.parse("0e999999")) == "0")
        #expect(RecordKey.part(try JSONReader.parse("-0.0")) == "0")
        #expect(RecordKey.part(.string("ZF0001")) == "ZF0001")
    }

    @Test func whatCannotBeAKey() throws {
        #expect(RecordKey.part(.string("")) == nil)
        #expect(RecordKey.part(.null) == nil)
        #expect(RecordKey.part(.bool(true)) == nil)
        #expect(RecordKey.part(.array([1])) == nil)
        #expect(RecordKey.part(.double(.nan)) == nil)
        // A number read only approximately would share its key with its neighbours.
        #expect(RecordKey.part(try JSONReader.parse("1.0000000000000000001")) == nil)
        #expect(RecordKey.part(.double(2024)) == nil)
        #expect(RecordKey.make([.string("a"), .null]) == nil)
    }

    /// `a/b` + `c` and `a` + `b/c` are different records: their keys must differ.
    @Test func partsThatContainTheSeparatorStayApart() {
        let first = RecordKey.make([.string("a/b"), .string("c")])
        let second = RecordKey.make([.string("a"), .string("b/c")])
        #expect(first == "a%2Fb/c")
        #expect(second == "a/b%2Fc")
        #expect(RecordKey.make([.string("100%"), 2024]) == "100%25/2024")
        // A single part is the key as it is.
        #expect(RecordKey.make([.string("a/b")]) == "a/b")
    }
}
