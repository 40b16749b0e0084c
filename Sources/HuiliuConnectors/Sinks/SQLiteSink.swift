import Foundation
public import HuiliuCore
public import HuiliuKit
import HuiliuStore

/// Upserts envelopes into an SQLite database: one table per event type, keyed by event id,
/// one transaction per batch. Re-delivered events replace themselves, so a sync that is
/// interrupted and repeated leaves each event exactly once.
public final class SQLiteSink: SinkConnector, @unchecked Sendable {
    static let path = Field<String>("path", .path, "Database file; created if missing.", default: "data/huiliu.db")
    static let prefix = Field<String>("table_prefix", .string, "Prefix of the per-type table names.", default: "events_")

    public static let spec = ComponentSpec(
        name: "sqlite", kind: .sink,
        summary: "Upserts envelopes into SQLite, one table per event type, one transaction per batch.",
        details: """
            Table names come from the event type: `budget.payment.v1` is stored in `events_budget_payment_v1` \
            with columns id (primary key), source, subject, time, dataschema, extensions (JSON), data (JSON) \
            and stored_at. Query the data with SQLite's JSON functions, e.g. `data ->> '$.amount_fen'`.
            """,
        fields: [path.spec, prefix.spec], shorthandField: "path")

    let path: String
    let tablePrefix: String
    // Owned by the runner's single consumer task; never touched concurrently.
    var database: SQLiteDatabase?
    var statements: [String: SQLiteStatement] = [:]
    let io = BlockingQueue(label: "huiliu.sink.sqlite")

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        var path = try config[Self.path]
        if config["path"] == nil { path = context.projectDirectory + "/data/huiliu.db" }
        self.path = path
        tablePrefix = try config[Self.prefix]
        try EventTables.checkPrefix(tablePrefix, in: config)
    }

    public func open(resumingAt position: Value?) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        try SinkError.makeDirectory(directory, for: path)
        database = try SQLiteDatabase(path: path)
    }

    func statement(for type: String, in db: SQLiteDatabase) throws -> SQLiteStatement {
        if let statement = statements[type] { return statement }
        let table = EventTables.name(prefix: tablePrefix, type: type)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS "\(table)" (
                id TEXT PRIMARY KEY, source TEXT NOT NULL, subject TEXT, time TEXT, dataschema TEXT,
                extensions TEXT, data TEXT, stored_at TEXT NOT NULL)
            """)
        let statement = try db.prepare("""
            INSERT INTO "\(table)" (id, source, subject, time, dataschema, extensions, data, stored_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET source = excluded.source, subject = excluded.subject, time = excluded.time,
                dataschema = excluded.dataschema, extensions = excluded.extensions, data = excluded.data,
                stored_at = excluded.stored_at
            """)
        statements[type] = statement
        return statement
    }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        guard let db = database else { throw SinkError("\(path): the sink was not opened") }
        let now = Timestamp.now()
        // The commit waits for the disk; it runs off the cooperative pool so mapping goes on meanwhile.
        try await io.run { try self.upsert(envelopes, into: db, storedAt: now) }
        return nil
    }

    func upsert(_ envelopes: [Envelope], into db: SQLiteDatabase, storedAt now: String) throws {
        do {
            try upsertInTransaction(envelopes, into: db, storedAt: now)
        } catch {
            // A table created in the rolled-back transaction is gone again, with its statement.
            statements = [:]
            throw error
        }
    }

    private func upsertInTransaction(_ envelopes: [Envelope], into db: SQLiteDatabase, storedAt now: String) throws {
        try db.transaction {
            for envelope in envelopes {
                let insert = try statement(for: envelope.type, in: db)
                try insert.run([
                    .text(envelope.id), .text(envelope.source), envelope.subject.map { .text($0) } ?? .null,
                    envelope.time.map { .text($0) } ?? .null, envelope.dataschema.map { .text($0) } ?? .null,
                    envelope.extensions.isEmpty ? .null : .text(Value.object(envelope.extensions).jsonText),
                    envelope.data.map { .text($0.jsonText) } ?? .null, .text(now),
                ])
            }
        }
    }

    public func close() async throws {
        statements = [:]
        database = nil
    }
}
