import HuiliuCore

/// Huiliu's functions for mapping upstream records, on top of the JMESPath built-ins.
///
/// Convention: a function that transforms a string returns `null` for a `null`
/// subject, so a missing upstream field stays missing instead of failing the record;
/// a value of the wrong type is still an `invalid-type` error.
enum HuiliuFunctions {
    static func all(lookups: LookupTables) -> [ExpressionFunction] {
        text + conversion + identifiers + digests + formatting + budget + [lookup(lookups)]
    }

    typealias P = ExpressionFunction.Parameter
    typealias Example = ExpressionFunction.Example

    static func lookup(_ tables: LookupTables) -> ExpressionFunction {
        ExpressionFunction(
            "lookup", [P("table", .string), P("key", [.string, .number, .null]), .optional("column", .string)], returns: .any,
            summary: "The row for `key` in a code table loaded from `config/lookups/<table>.csv`: the second column's string for a two-column table, else an object of the other columns; `null` when the key is absent or `null`. An integer key is matched as its decimal text. An unknown table is an error. With `column`, the first row whose `column` holds `key`, as an object of every column, the key column included: `lookup('hj212_pollutants', '011', 'code_2005').code_2017` is `w01018`.",
            example: Example("lookup('divisions', '421181').name", result: "麻城市")
        ) { args throws(ExpressionError) in
            let table = args[0].stringValue!
            let key: String
            switch args[1] {
            case .null: return .null
            case .string(let s): key = s
            case .integer(let i): key = String(i)
            default:
                guard let i = args[1].intValue else {
                    throw .invalidValue("lookup(): key \(args[1].jsonText) is not an integer or string")
                }
                key = String(i)
            }
            let column = args.optional(2)?.stringValue
            // Per record: the names are checked only where the value alone cannot tell.
            if column != nil { try checkTable(table, column: column, in: tables) }
            guard let value = column.map({ tables.value(table: table, column: $0, key: key) }) ?? tables.value(table: table, key: key) else {
                try checkTable(table, column: nil, in: tables)
                return .null
            }
            return value
        }.checkingLiterals { literals throws(ExpressionError) in
            guard case .string(let table)?? = literals[safe: 0] else { return }
            try checkTable(table, column: (literals[safe: 2] ?? nil)?.stringValue, in: tables)
        }
    }

    /// Throws unless `tables` has `table` (and `column` in it): at every call, and when the names are written out.
    private static func checkTable(_ table: String, column: String?, in tables: LookupTables) throws(ExpressionError) {
        guard let names = tables.columnNames(table: table) else {
            let known = tables.names.isEmpty ? "no tables are loaded" : "known tables: \(tables.names.joined(separator: ", "))"
            throw .invalidValue("lookup(): unknown table '\(table)' (\(known))")
        }
        if let column, !names.contains(column) {
            throw .invalidValue("lookup(): table '\(table)' has no column '\(column)' (columns: \(names.joined(separator: ", ")))")
        }
    }
}
