import HuiliuCore
import HuiliuExpression
import Testing

struct LookupTablesTests {
    @Test func twoColumnsGiveStrings() throws {
        var tables = LookupTables()
        try tables.add("status", csv: "code,name\n1,已支付\n2,已退回\n")
        #expect(tables.value(table: "status", key: "1") == "已支付")
        #expect(tables.value(table: "status", key: "9") == .null)
        #expect(tables.value(table: "nope", key: "1") == nil)
    }

    @Test func widerTablesGiveObjects() throws {
        var tables = LookupTables()
        try tables.add("units", csv: "\u{FEFF}code,name,level\r\n001,\"财政局, 本级\",1\r\n002,\"名称\"\"引号\"\"\",2")
        #expect(tables.value(table: "units", key: "001") == ["name": "财政局, 本级", "level": "1"])
        #expect(tables.value(table: "units", key: "002")?["name"] == "名称\"引号\"")
    }

    @Test func multilineQuotedField() throws {
        var tables = LookupTables()
        try tables.add("t", csv: "k,v\na,\"line 1\nline 2\"\n\nb,x\n")
        #expect(tables.value(table: "t", key: "a") == "line 1\nline 2")
        #expect(tables.value(table: "t", key: "b") == "x")
    }

    @Test func malformedTablesAreRefused() {
        var tables = LookupTables()
        #expect(throws: LookupTableError(table: "t", line: 3, message: "duplicate key 'a'")) {
            try tables.add("t", csv: "k,v\na,1\na,2\n")
        }
        #expect(throws: LookupTableError(table: "t", line: 2, message: "expected 2 fields as in the header, found 3")) {
            try tables.add("t", csv: "k,v\na,1,2\n")
        }
        #expect(throws: LookupTableError.self) { try tables.add("t", csv: "") }
        #expect(throws: LookupTableError.self) { try tables.add("t", csv: "k\na\n") }
        #expect(throws: LookupTableError.self) { try tables.add("t", csv: "k,v\na,\"open\n") }
        #expect(throws: LookupTableError.self) { try tables.add("t", csv: "k,v\na,\"x\"y\n") }
    }

    @Test func lookupFunction() throws {
        var tables = LookupTables()
        try tables.add("status", csv: "code,name\n1,已支付\n")
        let functions = FunctionRegistry.huiliu(lookups: tables)
        func eval(_ text: String, _ input: Value = .null) throws -> Value {
            try Expression(text, functions: functions).evaluate(input)
        }
        #expect(try eval("lookup('status', s)", ["s": "1"]) == "已支付")
        #expect(try eval("lookup('status', s)", ["s": 1]) == "已支付")
        #expect(try eval("lookup('status', s)", ["s": "2"]) == nil)
        #expect(try eval("lookup('status', s)", [:]) == nil)
        #expect(throws: ExpressionError.self) { try eval("lookup('nope', '1')") }
        #expect(throws: ExpressionError.self) { try eval("lookup('status', `1.5`)") }
    }

    /// The shipped files in config/lookups all load, with domain.md's facts.
    @Test func shippedTables() throws {
        let tables = Support.shippedTables
        #expect(tables.names == ["budget_economic", "budget_function", "divisions", "hj212_pollutants"])
        #expect(tables.value(table: "divisions", key: "421100")?["name"] == "黄冈市")
        #expect(tables.value(table: "divisions", key: "421181")?["name"] == "麻城市")
        #expect(tables.value(table: "divisions", key: "421182")?["name"] == "武穴市")
        #expect(tables.value(table: "divisions", key: "421121")?["name"] == "团风县")
        #expect(tables.value(table: "divisions", key: "421124")?["name"] == "英山县")
        // §8: 龙感湖管理区 has a statistical code only, not a GB/T 2260 one, and is still known.
        #expect(tables.value(table: "divisions", key: "421171")?["name"] == "龙感湖管理区")
        #expect(tables.value(table: "budget_function", key: "211")?["name"] == "节能环保支出")
        // §6.1's structure example: 211 / 21101 / 2110101 — 节能环保 / 环境保护管理事务 / 行政运行.
        #expect(tables.value(table: "budget_function", key: "21101")?["name"] == "环境保护管理事务")
        #expect(tables.value(table: "budget_function", key: "2110101")?["name"] == "行政运行")
        #expect(tables.value(table: "budget_economic", key: "30217")?["name"] == "公务接待费")
        #expect(tables.value(table: "budget_economic", key: "501")?["maps_to"] == "301")
        #expect(tables.value(table: "hj212_pollutants", key: "w01018")?["code_2005"] == "011")
        #expect(tables.value(table: "hj212_pollutants", key: "a21026")?["code_2005"] == "02")
        #expect(try Support.eval("lookup('hj212_pollutants', 'w21003').name") == "氨氮")
        // 2005 codes lead to the same rows (2005 `011` is 2017 `w01018`, `B01` is `w00000`).
        #expect(try Support.eval("lookup('hj212_pollutants', '011', 'code_2005').code_2017") == "w01018")
        #expect(try Support.eval("lookup('hj212_pollutants', 'B01', 'code_2005').name") == "污水")
    }

    @Test func lookupByAnotherColumn() throws {
        var tables = LookupTables()
        try tables.add("codes", csv: "new,old,name\nw01018,011,COD\nw21003,060,氨氮\nw01003,,浊度\nw99999,060,dup\n")
        try tables.add("status", csv: "code,name\n1,已支付\n")
        let functions = FunctionRegistry.huiliu(lookups: tables)
        func eval(_ text: String) throws -> Value { try Expression(text, functions: functions).evaluate(.null) }
        #expect(try eval("lookup('codes', '011', 'old')") == ["new": "w01018", "old": "011", "name": "COD"])
        #expect(try eval("lookup('codes', '060', 'old').new") == "w21003", "the first row with the value")
        #expect(try eval("lookup('codes', '', 'old')") == nil, "an empty cell matches nothing")
        #expect(try eval("lookup('codes', 'w01003', 'new')") == ["new": "w01003", "old": "", "name": "浊度"])
        #expect(try eval("lookup('status', '1', 'code')") == ["code": "1", "name": "已支付"])
        #expect(try eval("lookup('status', '已支付', 'name').code") == "1")
        #expect(throws: ExpressionError.self) { try eval("lookup('codes', '011', 'older')") }
    }
}
