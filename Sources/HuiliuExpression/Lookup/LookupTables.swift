public import HuiliuCore

/// Code tables for `lookup(table, key)`: table name → key → value.
///
/// Tables are built from CSV text, so the caller decides where files live and this
/// module stays free of I/O. The first row names the columns and the first column is
/// the key. With two columns the value is the second column's string
/// (`421181,麻城市` → `"麻城市"`); with more, it is an object of the other columns.
///
/// ```swift
/// var tables = LookupTables()
/// try tables.add("divisions", csv: String(decoding: data, as: UTF8.self))
/// let functions = FunctionRegistry.huiliu(lookups: tables)
/// ```
public struct LookupTables: Sendable {
    private var tables: [String: [String: Value]] = [:]

    /// No tables.
    public init() {}

    /// Tables from CSV texts by name.
    public init(csv texts: [String: String]) throws(LookupTableError) {
        for (name, text) in texts.sorted(by: { $0.key < $1.key }) { try add(name, csv: text) }
    }

    /// Adds (or replaces) the table `name` from CSV text.
    /// - Throws: ``LookupTableError`` for malformed CSV, a missing header, rows with the
    ///   wrong number of fields, or a key that appears twice.
    public mutating func add(_ name: String, csv text: String) throws(LookupTableError) {
        var rows: [(line: Int, fields: [String])]
        do {
            rows = try CSVReader.rows(text)
        } catch {
            throw LookupTableError(table: name, line: error.line, message: error.message)
        }
        guard !rows.isEmpty else { throw LookupTableError(table: name, line: 1, message: "the table has no header row") }
        let header = rows.removeFirst().fields
        guard header.count >= 2 else {
            throw LookupTableError(table: name, line: 1, message: "the header needs a key column and at least one value column")
        }
        var table: [String: Value] = [:]
        table.reserveCapacity(rows.count)
        for (line, fields) in rows {
            guard fields.count == header.count else {
                throw LookupTableError(table: name, line: line,
                                       message: "expected \(header.count) fields as in the header, found \(fields.count)")
            }
            let key = fields[0]
            guard table[key] == nil else { throw LookupTableError(table: name, line: line, message: "duplicate key '\(key)'") }
            if header.count == 2 {
                table[key] = .string(fields[1])
            } else {
                var object = Object(minimumCapacity: header.count - 1)
                for k in 1..<header.count { object[header[k]] = .string(fields[k]) }
                table[key] = .object(object)
            }
        }
        tables[name] = table
    }

    /// Adds (or replaces) a table given as values.
    public mutating func add(_ name: String, rows: [String: Value]) {
        tables[name] = rows
    }

    /// The table names, sorted.
    public var names: [String] { tables.keys.sorted() }

    /// The rows of table `name`.
    public subscript(table name: String) -> [String: Value]? { tables[name] }

    /// The value for `key` in table `name`: `nil` if the table does not exist, `.null`
    /// if the key does not.
    public func value(table name: String, key: String) -> Value? {
        guard let table = tables[name] else { return nil }
        return table[key] ?? .null
    }
}

/// Why CSV text could not become a lookup table.
public struct LookupTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The table being read.
    public var table: String
    /// The one-based line of the problem.
    public var line: Int
    /// What was wrong.
    public var message: String

    /// An error at `line` of `table`.
    public init(table: String = "", line: Int, message: String) {
        self.table = table
        self.line = line
        self.message = message
    }

    public var description: String { "lookup table '\(table)' line \(line): \(message)" }
}
