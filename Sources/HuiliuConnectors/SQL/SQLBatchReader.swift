import Foundation
import Synchronization
import HuiliuCore
import HuiliuKit
import HuiliuStore

/// Reads an `sql` source one page per batch, each page the rows after the last one delivered.
struct SQLBatchReader: BatchReader {
    let source: SQLSource
    let connection: SQLConnection
    /// The database calls block: they run on a thread of their own, not the cooperative pool.
    let io: BlockingQueue
    var position: SQLPosition?
    /// Where the next page starts: a run picks up at the cursor value it stopped at.
    var start: SQLPageStatement.Start
    var exhausted = false

    static func open(_ source: SQLSource, after position: SQLPosition?) async throws -> SQLBatchReader {
        if let position, position.columns != source.orderColumns || position.values.count != source.orderColumns.count {
            throw SQLSourceError("""
                the checkpoint is a position in \(position.columns.joined(separator: ", ")) but the cursor and key are now \
                \(source.orderColumns.joined(separator: ", ")): run the pipeline once with --reset to read from the start
                """)
        }
        let io = BlockingQueue(label: "huiliu.source.sql")
        let connection = try await io.run { try SQLConnection(source) }
        return SQLBatchReader(source: source, connection: connection, io: io, position: position,
                              start: position == nil ? .beginning : .cursor)
    }

    mutating func next() async throws -> RecordBatch? {
        guard !exhausted else { return nil }
        let connection = connection, start = start, limit = source.batchSize, io = io
        let parameters = start == .cursor ? Array(position!.values.prefix(1)) : position?.values ?? []
        // A stopped run must not wait for a slow page: cancelling the task cancels the query.
        let page: SQLRows
        do {
            page = try await withTaskCancellationHandler {
                try await io.run { try connection.page(from: start, parameters, limit: limit) }
            } onCancel: {
                connection.cancel()
            }
        } catch where Task.isCancelled {
            // The database reports the query it was told to stop as an error; the run was stopped, not failed.
            throw CancellationError()
        }
        if page.rows.count < limit { exhausted = true }
        guard let last = page.positions.last else { return nil }
        let label = source.relation.label
        var records: [Record] = []
        var rejects: [RecordBatch.Rejected] = []
        records.reserveCapacity(page.rows.count)
        for (index, (row, keyValues)) in zip(page.rows, page.keys).enumerated() {
            let key = Self.naturalKey(keyValues)
            if let fault = page.faults[index] {
                rejects.append(.init(origin: RecordOrigin("\(label)/\(key)"), reason: fault, raw: .object(row)))
                continue
            }
            records.append(Record(data: .object(row), origin: RecordOrigin("\(label)/\(key)"), key: key, type: source.type))
        }
        let position = SQLPosition(columns: source.orderColumns, values: last)
        self.position = position
        self.start = .after
        return RecordBatch(records: records, rejects: rejects, checkpoint: position.checkpoint)
    }

    mutating func close() async {
        let connection = connection
        _ = try? await io.run { connection.close() }
    }

    /// The record key of a row: its key columns' text, joined by `/` — with `%` and `/` inside
    /// a value percent-encoded when there are several, so two rows never share one.
    static func naturalKey(_ values: [Value]) -> String {
        // A NULL or empty key column is an empty part, not a reason to lose the row; a column of
        // another type (boolean, JSON) keeps its JSON text.
        RecordKey.join(values.map { RecordKey.part($0) ?? ($0.isNull || $0 == .string("") ? "" : $0.jsonText) })
    }
}

/// Why an `sql` source cannot read.
struct SQLSourceError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// One page: the rows as objects, each row's key values, and each row's cursor and key
/// values as the database gave them (a position).
struct SQLRows: Sendable {
    var rows: [Object] = []
    /// Why a row (by index) cannot be delivered as read: a dead letter.
    var faults: [Int: String] = [:]
    var keys: [[Value]] = []
    var positions: [[Value]] = []
}

/// An open database of an `sql` source, used on its reader's queue only.
final class SQLConnection: @unchecked Sendable {
    private enum Handle {
        case postgres(PostgresConnection)
        case sqlite(SQLiteDatabase, [SQLPageStatement.Start: SQLiteStatement])
        case closed
    }

    private var handle: Handle
    /// Cancels the statement running now, and any later one; callable from any thread.
    private let canceller: @Sendable () -> Void
    /// Raised by ``cancel()``: a page asked for after it does not start (and an SQLite one stops).
    private let signal = InterruptFlag()
    /// Raised while a PostgreSQL page query runs (lowered after), for the canceller.
    private let querying = QueryInFlight()
    private let statement: SQLPageStatement
    private let source: SQLSource
    /// Where each order column and key column is in the result.
    private var orderIndexes: [Int] = []
    private var keyIndexes: [Int] = []

    init(_ source: SQLSource) throws {
        self.source = source
        switch source.database {
        case .postgres(let url, let secrets):
            let mask: @Sendable (String) -> String = { $0.maskingSecrets(secrets, with: "***") }
            let connection = try PostgresConnection(url: url, keepalive: true, mask: mask)
            // Read-only: a source must never change the upstream's data. ISO dates, the
            // configured zone for `timestamptz`, and bytea in hex, whatever the server's defaults.
            try connection.execute("SET default_transaction_read_only = on")
            // Text comes back as UTF-8 whatever the database's own encoding (an EUC_CN or GBK one).
            try connection.execute("SET client_encoding = 'UTF8'")
            try connection.execute("SET DateStyle = 'ISO, YMD'")
            try connection.execute("SET IntervalStyle = 'iso_8601'")
            try connection.execute("SET bytea_output = 'hex'")
            do {
                try connection.execute("SELECT set_config('TimeZone', $1, false)", [source.timeZone])
            } catch {
                throw SQLSourceError("time_zone '\(source.timeZone)' is not one PostgreSQL knows: \(error)")
            }
            handle = .postgres(connection)
            canceller = { [signal, querying] in
                signal.raise()
                connection.cancel()
                // A cancel request reaches only a query the server is running: one sent in the
                // instant after the check in `page` is asked again while it runs.
                Thread.detachNewThread {
                    for _ in 0..<50 where querying.isRaised {
                        Thread.sleep(forTimeInterval: 0.1)
                        if querying.isRaised { connection.cancel() }
                    }
                }
            }
            statement = SQLPageStatement(dialect: .postgres, relation: source.relation, order: source.orderColumns)
            try locate(in: connection.query(statement.columnsProbe).columns.map(\.name))
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw SQLSourceError("no SQLite database at \(path)") }
            let database = try SQLiteDatabase(readingOnly: path)
            database.stop(when: signal)
            handle = .sqlite(database, [:])
            canceller = { [signal] in signal.raise(); database.interrupt() }
            statement = SQLPageStatement(dialect: .sqlite, relation: source.relation, order: source.orderColumns)
            try locate(in: database.prepare(statement.columnsProbe).columnNames)
        }
    }

    /// Asks the database to stop the statement running now.
    func cancel() {
        canceller()
    }

    /// Finalizes the statements and closes the connection, here rather than wherever the
    /// reader happens to be released.
    func close() {
        handle = .closed
    }

    /// A position value as PostgreSQL reads a parameter: its own text, or a number or boolean
    /// written out (a checkpoint saved from SQLite, or restored by hand, holds those), never
    /// NULL for a value, which would make `cursor >= NULL` match no row for ever.
    static func text(_ value: Value) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        default: value.jsonText
        }
    }

    /// Up to `limit` rows from `start`, with its parameters: values as the database gave them.
    func page(from start: SQLPageStatement.Start, _ parameters: [Value], limit: Int) throws -> SQLRows {
        if signal.isRaised { throw CancellationError() }
        switch handle {
        case .postgres(let connection):
            querying.set(true)
            defer { querying.set(false) }
            if signal.isRaised { throw CancellationError() }
            let result = try connection.query(statement.text(from: start, limit: limit), parameters.map(Self.text))
            let names = result.columns.map(\.name)
            let order = orderIndexes, keys = keyIndexes
            var page = SQLRows()
            page.rows.reserveCapacity(result.rows.count)
            for row in result.rows {
                let values = row.indices.map { index in
                    row[index].map { PostgresText.value($0, type: result.columns[index].type) } ?? .null
                }
                page.rows.append(Object(uniqueMembers: Array(zip(names, values))))
                page.keys.append(keys.map { values[$0] })
                // The server's own text goes back as the next page's parameters: it reads it
                // exactly, microseconds and all, whatever the column's type.
                page.positions.append(order.map { row[$0].map(Value.string) ?? .null })
            }
            return page
        case .sqlite(let database, var statements):
            let prepared: SQLiteStatement
            if let known = statements[start] {
                prepared = known
            } else {
                prepared = try database.prepare(statement.text(from: start, limit: limit))
                statements[start] = prepared
                handle = .sqlite(database, statements)
            }
            try prepared.bind(try parameters.map(Self.sqliteValue))
            let names = prepared.columnNames
            let order = orderIndexes, keys = keyIndexes
            var page = SQLRows()
            while try prepared.step() {
                let stored = names.indices.map { prepared.column($0) }
                let values = stored.map(Self.value)
                // Text in another encoding (GBK written as TEXT) would be read with each fault
                // replaced: wrong data, and as a position a place that skips rows or repeats one.
                // A cursor or key column so read fails the run; another column makes the row a
                // dead letter, and the rows after it go on.
                var fault: String?
                for index in names.indices where fault == nil && stored[index].text?.utf8.contains(0xEF) == true {
                    guard let bytes = prepared.invalidText(index) else { continue }
                    let shown = bytes.prefix(16).map { String($0, radix: 16) }.joined(separator: " ") + (bytes.count > 16 ? " …" : "")
                    let reason = """
                        column '\(names[index])' holds text that is not UTF-8 (bytes \(shown)), as SQLite's TEXT must be: text \
                        written in another encoding (GBK?). Convert it in the database (and, with a cursor, move the row's \
                        cursor on, or the next run starts past it), or select the column as a BLOB \
                        (CAST(\(names[index]) AS BLOB)) in a query to read its bytes as Base64
                        """
                    guard !order.contains(index) && !keys.contains(index) else {
                        throw SQLSourceError("row '\(SQLBatchReader.naturalKey(keys.map { values[$0] }))' of \(source.relation.label): \(reason)")
                    }
                    fault = reason
                }
                if let fault { page.faults[page.rows.count] = fault }
                let orderValues = try order.map { index -> Value in
                    switch stored[index] {
                    case .integer(let n): return .integer(n)
                    case .real(let d): return .double(d)
                    case .text(let s): return .string(s)
                    case .null: return .null
                    case .blob: throw SQLSourceError("column '\(names[index])' holds a BLOB; cursor and key columns must hold numbers or text")
                    }
                }
                page.rows.append(Object(uniqueMembers: Array(zip(names, values))))
                page.keys.append(keys.map { values[$0] })
                page.positions.append(orderValues)
            }
            return page
        case .closed:
            throw SQLSourceError("the connection is closed")
        }
    }

    /// Finds the order and key columns among the relation's `names` before any row is read,
    /// so a misspelt column is named with the ones there are, not as the database's syntax error.
    private func locate(in names: [String]) throws {
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            throw SQLSourceError("\(source.relation.label) gives two columns named '\(name)'; name them apart (AS) in a query")
        }
        func find(_ column: String, _ role: String) throws -> Int {
            guard let index = names.firstIndex(of: column) else {
                throw SQLSourceError("the \(role) column '\(column)' is not among the columns of \(source.relation.label): \(names.joined(separator: ", "))")
            }
            return index
        }
        orderIndexes = try source.orderColumns.map { try find($0, $0 == source.cursorColumn ? "cursor" : "key") }
        keyIndexes = try source.keyColumns.map { try find($0, "key") }
    }

    /// A stored SQLite value as a record value: BLOBs as Base64 text.
    static func value(_ stored: SQLiteValue) -> Value {
        switch stored {
        case .null: .null
        case .integer(let n): .integer(n)
        // JSON has no NaN or infinities: as text rather than written as null.
        case .real(let d): d.isFinite ? .double(d) : .string("\(d)")
        case .text(let s): .string(s)
        case .blob(let bytes): .string(Data(bytes).base64EncodedString())
        }
    }

    /// A checkpoint value bound back as the type SQLite gave it.
    static func sqliteValue(_ value: Value) throws -> SQLiteValue {
        switch value {
        case .integer(let n): return .integer(n)
        case .double(let d): return .real(d)
        // A REAL read back from the stored checkpoint: the JSON reader keeps `1.5` a decimal,
        // and the shortest text a double was written as reads back to that double.
        case .decimal(let d): if let real = Double(d.description) { return .real(real) }
        case .string(let s): return .text(s)
        default: break
        }
        throw SQLSourceError("the checkpoint holds \(value.jsonText), not a number or text")
    }
}

/// Whether a query is running, read by another thread.
final class QueryInFlight: Sendable {
    private let running = Atomic<Bool>(false)

    func set(_ value: Bool) { running.store(value, ordering: .sequentiallyConsistent) }

    var isRaised: Bool { running.load(ordering: .sequentiallyConsistent) }
}
