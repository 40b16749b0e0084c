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
    /// Whole rows (key column included) by table, column and value: what
    /// ``value(table:column:key:)`` finds, built once when the table is added.
    private var columns: [String: [String: [String: Value]]] = [:]
    /// The header row of each table loaded from CSV.
    private var headers: [String: [String]] = [:]

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
        var byColumn: [String: [String: Value]] = [:]
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
            var row = Object(minimumCapacity: header.count)
            for k in header.indices { row[header[k]] = .string(fields[k]) }
            for k in header.indices.dropFirst() where !fields[k].isEmpty && byColumn[header[k], default: [:]][fields[k]] == nil {
                byColumn[header[k], default: [:]][fields[k]] = .object(row)
            }
        }
        tables[name] = table
        columns[name] = byColumn
        headers[name] = header
    }

    /// Adds (or replaces) a table given as values (looked up by key only).
    public mutating func add(_ name: String, rows: [String: Value]) {
        tables[name] = rows
        columns[name] = nil
        headers[name] = nil
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

    /// The first row of table `name` whose `column` holds `key`, as an object of every column
    /// (the key column included): `nil` if the table does not exist, `.null` if no row matches
    /// (an empty cell never does). `column` may also be the key column.
    public func value(table name: String, column: String, key: String) -> Value? {
        guard let table = tables[name] else { return nil }
        if let row = columns[name]?[column]?[key] { return row }
        // The key column itself: the row, with its key put back in front.
        guard let header = headers[name], column == header.first, let found = table[key] else { return .null }
        var row = Object(minimumCapacity: header.count)
        row[column] = .string(key)
        switch found {
        case .object(let rest): for (k, v) in rest { row[k] = v }
        default: row[header[1]] = found
        }
        return .object(row)
    }

    /// The columns of table `name` (the key column first), if it was loaded from CSV.
    public func columnNames(table name: String) -> [String]? {
        headers[name]
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
