import Foundation
public import HuiliuCore
public import HuiliuKit

/// The `sql` source: reads the rows of a table, view or query in an upstream database —
/// the exchange database (前置库) an agency fills for others to read — from PostgreSQL or
/// SQLite, page by page in key order, incrementally when a cursor column says what changed.
///
/// ```yaml
/// source:
///   sql:
///     url: ${secret:court/exchange_db}      # or path: data/exchange.db (SQLite)
///     table: exchange.case_records          # or query: SELECT …
///     key: case_number
///     cursor: updated_at
///     type: court.case.raw.v1
/// ```
public struct SQLSource: SourceConnector {
    static let url = Field<Secret?>("url", .secret, """
        PostgreSQL connection URL (libpq's syntax, e.g. postgresql://reader:PASSWORD@db:5432/exchange); a reference, \
        since it may hold a password. Give `url` or `path`.
        """, example: "${secret:court/exchange_db}")
    static let path = Field<String?>("path", .path, "An SQLite database file (such as data/exchange.db), opened read-only. Give `url` or `path`.")
    static let table = Field<String?>("table", .string, "The table or view to read, schema-qualified if need be. Give `table` or `query`.",
                                      example: "exchange.case_records")
    static let query = Field<String?>("query", .string, """
        A SELECT whose rows are read, for joins and computed columns; it is wrapped as a subquery, so `key` and \
        `cursor` name its result columns, e.g. `SELECT c.*, d.name AS court_name FROM cases c JOIN courts d ON d.code = c.court`. \
        Give `table` or `query`.
        """)
    static let key = Field<[String]>("key", .list(.string), """
        The column or columns that identify a row: they page the reads (in their order) and make the record's \
        natural key, the columns' text joined by `/`.
        """, example: ["case_number"])
    static let cursor = Field<String?>("cursor", .string, """
        A column that grows whenever a row is added or changed, such as an update time or a sequence: each run \
        reads the rows from the last cursor value delivered on. Without it, every run reads every row.
        """, example: "updated_at")
    static let type = Field<String?>("type", .string, "Event type for the records until a `map` step sets one.",
                                     example: "court.case.raw.v1")
    static let timeZone = Field<String>("time_zone", .string, """
        PostgreSQL session time zone: `timestamp with time zone` values are given as RFC 3339 times in it.
        """, default: "Asia/Shanghai", advanced: true)

    public static let spec = ComponentSpec(
        name: "sql", kind: .source,
        summary: "Reads a table, view or query from PostgreSQL or SQLite, in key order, incrementally by a cursor column.",
        details: """
            Rows are read in pages of the pipeline's batch size, ordered by the cursor (if any) and then the key \
            columns, each page a short query that starts after the last row of the one before (keyset paging), so \
            no transaction stays open on the upstream database and a large table never sits in memory; an index on \
            the cursor and key columns keeps each page from scanning the table. The checkpoint is the last delivered \
            row's cursor and key values. With a cursor, the next run reads the rows added or changed since: it starts \
            again at the last cursor value delivered, so a row added later with that same value is not missed, and \
            the rows already delivered with it come again under the same event ids (upserting sinks keep them once; \
            a jsonl file gets them again) — a bulk load that stamped a million rows with one time is read again by \
            every run until a later time appears. The key must identify a row: rows that share a key and cursor \
            value can fall between two pages, and the second page skips them. Rows whose cursor or key columns are \
            NULL cannot be placed in that order and are not read. A row committed later with a cursor value below \
            one already delivered (an update time taken when a long transaction began) is missed: prefer a cursor \
            that the database assigns at commit, or a sequence. A deleted row is never seen (no cursor can see \
            it): have the upstream mark rows deleted in a column instead. A LIMIT inside `query` applies before the paging. \
            Names in `table`, `key` and `cursor` are quoted, so they must be written as the database has them \
            (PostgreSQL folds unquoted names to lower case). PostgreSQL sessions are read-only and read text as \
            UTF-8. Values keep their types: integers, exact decimals (`numeric` never becomes a binary float; \
            NaN, the infinities and numerals too long for a decimal stay text), booleans, JSON (`json`, `jsonb`) \
            as values (their numbers as everywhere JSON is read: integers past 64 bits as strings of their digits, decimals past 18 significant digits as binary floats), `timestamp with \
            time zone` as RFC 3339 in `time_zone` — so a key of such a column changes its text, and the events their \
            ids, when `time_zone` changes — where RFC 3339 can say it (not infinity, years \
            outside 1–9999, or zone offsets with seconds), binary as Base64; other types (dates, times, arrays) as \
            PostgreSQL prints them, which `to_json(column)` in a `query` can change. An SQLite file is opened \
            read-only, though in WAL mode SQLite itself may create its `-shm` file beside it. Each row becomes one \
            record keyed by its key columns, with origin `table/key`.
            """,
        fields: [url.spec, path.spec, table.spec, query.spec, key.spec, cursor.spec, type.spec, timeZone.spec])

    /// Where the rows are: a PostgreSQL URL or an SQLite file.
    enum Database: Sendable {
        case postgres(url: String, secrets: [String])
        case sqlite(path: String)
    }

    let database: Database
    let relation: SQLRelation
    let keyColumns: [String]
    let cursorColumn: String?
    let type: String?
    let timeZone: String
    let batchSize: Int

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let url = try config[Self.url], path = try config[Self.path]
        switch (url, path) {
        case (let url?, nil):
            database = .postgres(url: url.value, secrets: String.maskable(config.secretValues.union([url.value])))
        case (nil, let path?):
            database = .sqlite(path: config.resolvePath(path))
        case (nil, nil):
            throw ConfigError(.missingField, at: config.location, "an sql source needs 'url' (PostgreSQL) or 'path' (SQLite)")
        default:
            throw config.error("path", "give either 'url' (PostgreSQL) or 'path' (SQLite), not both")
        }
        switch (try config[Self.table], try config[Self.query]) {
        case (let table?, nil):
            let parts = table.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.allSatisfy({ !$0.isEmpty }), parts.count <= 3 else {
                throw config.error("table", "'table' is a name, schema.name or database.schema.name; got '\(table)' (use 'query' for anything else)")
            }
            relation = .table(parts)
        case (nil, let query?):
            let trimmed = Self.withoutTerminator(query)
            guard !trimmed.isEmpty else { throw config.error("query", "'query' is empty") }
            relation = .query(trimmed)
        case (nil, nil):
            throw ConfigError(.missingField, at: config.location, "an sql source needs 'table' or 'query'")
        default:
            throw config.error("query", "give either 'table' or 'query', not both")
        }
        keyColumns = try config[Self.key]
        guard !keyColumns.isEmpty, keyColumns.allSatisfy({ !$0.isEmpty }) else {
            throw config.error("key", "'key' names at least one column")
        }
        guard Set(keyColumns).count == keyColumns.count else {
            throw config.error("key", "'key' names a column twice")
        }
        cursorColumn = try config[Self.cursor]
        if cursorColumn?.isEmpty == true { throw config.error("cursor", "'cursor' is empty") }
        type = try config[Self.type]
        timeZone = try config[Self.timeZone]
        batchSize = max(1, context.batchSize)
    }

    /// `query` without what ends it: trailing semicolons, and a `-- comment` after one, which
    /// would otherwise end the statement inside the subquery it is wrapped in.
    static func withoutTerminator(_ query: String) -> String {
        var text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        while true {
            let shorter = text.replacing(/;(\s*(--[^\n]*|\/\*[\s\S]*?\*\/))*\s*\z/, with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            if shorter == text { return text }
            text = shorter
        }
    }

    /// The columns rows are ordered and resumed by: the cursor, then the key columns.
    var orderColumns: [String] {
        guard let cursorColumn else { return keyColumns }
        return [cursorColumn] + keyColumns.filter { $0 != cursorColumn }
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        // Without a cursor every run reads every row: a checkpoint only marks progress.
        let after = cursorColumn == nil ? nil : SQLPosition(checkpoint)
        return try await SQLBatchReader.open(self, after: after)
    }
}
