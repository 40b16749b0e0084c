import CSQLite
import Glibc
import HuiliuCore

/// One connection to an SQLite database file, with the pragmas every Huiliu database
/// uses: WAL (readers never block the writer), full sync (a committed checkpoint survives
/// a crash), and a busy timeout so `huiliu run` and `huiliu serve` can share a file.
///
/// Not thread-safe: its owner (an actor or a single task) serialises access.
public final class SQLiteDatabase: @unchecked Sendable {
    let handle: OpaquePointer
    /// The signal statements check (``stop(when:)``), kept alive as long as the handler may read it.
    var watched: InterruptFlag?
    /// The file path.
    public let path: String
    /// Statements compiled once for the connection's life, by their SQL (``cached(_:)``).
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws(StoreError) {
        handle = try Self.open(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX)
        self.path = path
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Opens an existing database at `path` for reading only: another program's file, which
    /// Huiliu must neither create nor change (its journal mode included).
    public init(readingOnly path: String) throws(StoreError) {
        handle = try Self.open(path, flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX)
        self.path = path
    }

    /// A connection to `path` with a 10-second busy timeout.
    private static func open(_ path: String, flags: Int32) throws(StoreError) -> OpaquePointer {
        var db: OpaquePointer?
        let isNew = path != ":memory:" && access(path, F_OK) != 0
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        // State, buffers and dead letters hold personal data: a file made here is its owner's
        // alone (SQLite gives the -wal and -shm files the same mode). One that existed keeps
        // the mode it was given.
        if isNew && rc == SQLITE_OK { chmod(path, 0o600) }
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError("cannot open database \(path): \(message)")
        }
        sqlite3_busy_timeout(db, 10_000)
        return db
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw StoreError("\(path): \(message) (in: \(sql.prefix(120)))")
        }
    }

    /// Compiles a statement.
    public func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        SQLiteStatement(try compile(sql), database: self, keepsOpen: true)
    }

    /// The statement for `sql`, compiled on its first use and kept while the connection is open.
    /// For statements every batch runs: compiling one costs about as much as running it. Use it
    /// only while the connection lives, and finish with it (``SQLiteStatement/run(_:)``,
    /// ``SQLiteStatement/rows(_:)``) before asking for the same SQL again.
    public func cached(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        // The connection holds it, so it must not hold the connection.
        let statement = SQLiteStatement(try compile(sql), database: self, keepsOpen: false)
        statements[sql] = statement
        return statement
    }

    private func compile(_ sql: String) throws(StoreError) -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement
        else { throw StoreError("\(path): \(lastError) (in: \(sql.prefix(120)))") }
        return statement
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try cached("BEGIN IMMEDIATE").run()
        do {
            let result = try body()
            try cached("COMMIT").run()
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Makes the statement running now stop with an error; callable from any thread.
    public func interrupt() {
        sqlite3_interrupt(handle)
    }

    /// The row id of the last insert.
    public var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(handle)) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A compiled statement: bind, step, read columns, reset.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let database: SQLiteDatabase
    /// The connection, kept open while the statement lives; `nil` for one the connection caches.
    private let owner: SQLiteDatabase?

    init(_ handle: OpaquePointer, database: SQLiteDatabase, keepsOpen: Bool) {
        self.handle = handle
        self.database = database
        owner = keepsOpen ? database : nil
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds positional parameters (1-based in SQL, 0-based here) and resets the statement.
    @discardableResult
    public func bind(_ values: [SQLiteValue]) throws(StoreError) -> SQLiteStatement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let n): rc = sqlite3_bind_int64(handle, index, Int64(n))
            case .real(let d): rc = sqlite3_bind_double(handle, index, d)
            // With its byte count, not -1: a NUL inside the text would end it there.
            case .text(let s): rc = sqlite3_bind_text(handle, index, s, Int32(s.utf8.count), csqlite_transient())
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), csqlite_transient()) }
            }
            guard rc == SQLITE_OK else { throw StoreError("\(database.path): bind failed: \(database.lastError)") }
        }
        return self
    }

    /// Advances to the next row; false when done.
    public func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError("\(database.path): \(database.lastError)")
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLiteValue] = []) throws(StoreError) {
        try bind(values)
        _ = try step()
        sqlite3_reset(handle)
    }

    /// Every row, each as its columns.
    public func rows(_ values: [SQLiteValue] = []) throws(StoreError) -> [[SQLiteValue]] {
        try bind(values)
        var rows: [[SQLiteValue]] = []
        while try step() {
            rows.append((0..<Int(sqlite3_column_count(handle))).map { column($0) })
        }
        sqlite3_reset(handle)
        return rows
    }

    /// The names of the result's columns.
    public var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { sqlite3_column_name(handle, $0).map { String(cString: $0) } ?? "" }
    }

    /// The bytes of a TEXT column of the current row that are not UTF-8 (text written in another
    /// encoding, which ``column(_:)`` reads with each fault replaced); `nil` for any other column.
    public func invalidText(_ index: Int) -> [UInt8]? {
        let i = Int32(index)
        guard sqlite3_column_type(handle, i) == SQLITE_TEXT, let text = sqlite3_column_text(handle, i) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, i)))
        return String(validUTF8: bytes) == nil ? Array(bytes) : nil
    }

    /// The value of a column of the current row.
    public func column(_ index: Int) -> SQLiteValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(Int(sqlite3_column_int64(handle, i)))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            // Read by its byte count (after the text pointer, as SQLite asks), not to the first NUL.
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard count > 0, let base = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
        default: return .null
        }
    }
}

/// A value SQLite stores.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The text, if this is text.
    public var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The value as text, as PostgreSQL hands every column: numbers in decimal, blobs and
    /// NULL as `nil`. The state tables are read through it with one set of decoders.
    var columnText: String? {
        switch self {
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): "\(d)"
        case .null, .blob: nil
        }
    }

    /// The integer, if this is one.
    public var integer: Int? {
        if case .integer(let n) = self { return n }
        return nil
    }
}

/// A store operation that failed.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public var message: String

    /// An error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
