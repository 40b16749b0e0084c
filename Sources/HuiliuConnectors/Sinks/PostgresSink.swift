import Foundation
public import HuiliuCore
public import HuiliuKit
import HuiliuStore

/// Upserts envelopes into PostgreSQL: one table per event type, keyed by event id, one
/// transaction per batch. Like the SQLite sink, re-delivered events replace themselves, so
/// an interrupted and repeated sync leaves each event exactly once; PostgreSQL is for
/// stores that several gateways or the platform's services share.
public final class PostgresSink: SinkConnector, @unchecked Sendable {
    static let url = Field<Secret>("url", .secret, "Connection URL, such as postgresql://huiliu:PASSWORD@db:5432/congress (libpq's syntax: any libpq parameter goes in the query); a reference, since it may hold a password.",
                                   example: "${env:HUILIU_PG_URL}")
    static let prefix = Field<String>("table_prefix", .string, "Prefix of the per-type table names.", default: "events_")

    public static let spec = ComponentSpec(
        name: "postgres", kind: .sink,
        summary: "Upserts envelopes into PostgreSQL, one table per event type, one transaction per batch.",
        details: """
            Table names come from the event type: `budget.payment.v1` is stored in `events_budget_payment_v1` \
            with columns id (primary key), source, subject, time (timestamptz), dataschema, extensions (jsonb), \
            data (jsonb) and stored_at (timestamptz); tables are created when first needed. Query the data with \
            PostgreSQL's JSON operators, e.g. `(data ->> 'amount_fen')::bigint`. A batch that fails is rolled \
            back whole, and the run stops without committing its checkpoint.
            """,
        fields: [url.spec, prefix.spec], shorthandField: "url")

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
    static let rowsPerStatement = 1000

    let connectionURL: String
    let tablePrefix: String
    let secrets: [String]
    // Used only on `io`, one write at a time.
    var connection: PostgresConnection?
    var tables: Set<String> = []
    let io = BlockingQueue(label: "huiliu.sink.postgres")

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let url = try config[Self.url]
        connectionURL = url.value
        tablePrefix = try config[Self.prefix]
        secrets = Set(config.secretValues).union([url.value]).union(Self.password(in: url.value).map { [$0] } ?? [])
            .filter { $0.count >= 3 }.sorted { $0.count > $1.count }
    }

    /// The password of a `postgresql://user:password@host/…` URL, for masking it in errors.
    static func password(in url: String) -> String? {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return nil }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return nil }
        let password = String(credentials[credentials.index(after: colon)...])
        return password.removingPercentEncoding ?? password
    }

    public func open(resumingAt position: Value?) async throws {
        try await io.run { _ = try self.connected() }
    }

    /// The connection, made again if the server went away since the last batch.
    func connected() throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        connection = nil
        let made = try PostgresConnection(url: connectionURL, secrets: secrets)
        connection = made
        return made
    }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        let now = Timestamp.now()
        try await io.run { try self.upsert(envelopes, storedAt: now) }
        return nil
    }

    func upsert(_ envelopes: [Envelope], storedAt now: String) throws {
        let db = try connected()
        // One statement may not update a row twice: the last version of each event wins, as it
        // would over separate statements.
        var latest: [String: Int] = [:]
        for (index, envelope) in envelopes.enumerated() { latest[envelope.id] = index }
        var byType: [String: [Int]] = [:]
        var types: [String] = []
        for (index, envelope) in envelopes.enumerated() where latest[envelope.id] == index {
            if byType[envelope.type] == nil { types.append(envelope.type) }
            byType[envelope.type, default: []].append(index)
        }
        try db.execute("BEGIN")
        do {
            for type in types {
                let table = try self.table(for: type, in: db)
                let indices = byType[type]!
                for start in stride(from: 0, to: indices.count, by: Self.rowsPerStatement) {
                    let chunk = indices[start..<min(start + Self.rowsPerStatement, indices.count)]
                    try db.execute(Self.insert(into: table, rows: chunk.count),
                                   chunk.flatMap { Self.parameters(envelopes[$0], storedAt: now) })
                }
            }
            try db.execute("COMMIT")
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// The table for `type`, created if this sink has not seen it yet.
    func table(for type: String, in db: PostgresConnection) throws -> String {
        let table = SQLiteSink.tableName(prefix: tablePrefix, type: type)
        guard !tables.contains(table) else { return table }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS "\(table)" (
                id TEXT PRIMARY KEY, source TEXT NOT NULL, subject TEXT, time TIMESTAMPTZ, dataschema TEXT,
                extensions JSONB, data JSONB, stored_at TIMESTAMPTZ NOT NULL)
            """)
        tables.insert(table)
        return table
    }

    /// `INSERT … ON CONFLICT (id) DO UPDATE` for `rows` rows of eight parameters.
    static func insert(into table: String, rows: Int) -> String {
        let values = (0..<rows).map { row in
            let p = row * 8
            return "($\(p + 1), $\(p + 2), $\(p + 3), $\(p + 4)::timestamptz, $\(p + 5), $\(p + 6)::jsonb, $\(p + 7)::jsonb, $\(p + 8)::timestamptz)"
        }
        return """
            INSERT INTO "\(table)" (id, source, subject, time, dataschema, extensions, data, stored_at)
            VALUES \(values.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET source = excluded.source, subject = excluded.subject, time = excluded.time,
                dataschema = excluded.dataschema, extensions = excluded.extensions, data = excluded.data,
                stored_at = excluded.stored_at
            """
    }

    static func parameters(_ envelope: Envelope, storedAt now: String) -> [String?] {
        [envelope.id, envelope.source, envelope.subject, envelope.time, envelope.dataschema,
         envelope.extensions.isEmpty ? nil : Value.object(envelope.extensions).jsonText, envelope.data?.jsonText, now]
    }

    public func close() async throws {
        try await io.run {
            self.connection = nil
            self.tables = []
        }
    }
}
