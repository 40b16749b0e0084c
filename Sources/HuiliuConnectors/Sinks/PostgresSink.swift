import Foundation
public import HuiliuCore
public import HuiliuKit
import HuiliuStore
import Synchronization

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
            with columns id (primary key), type, source, subject, time (timestamptz), dataschema, extensions \
            (jsonb), data (jsonb) and stored_at (timestamptz); tables are created when first needed. A type with \
            other characters, or too long for PostgreSQL's 63-byte names, gets a short hash in its table name. \
            Query the data with PostgreSQL's JSON operators, e.g. `(data ->> 'amount_fen')::bigint`. A batch that \
            fails is rolled back whole, and the run stops without committing its checkpoint; a connection lost \
            between batches is made again, tried for up to 8 s (one attempt may take the connect timeout) while a restarting server refuses it. Connections time out after 10 s, and statements wait at most 60 s \
            for a lock (override with the URL's `connect_timeout` and `options`). PostgreSQL text cannot hold \
            NUL characters: they are stored as U+FFFD.
            """,
        fields: [url.spec, prefix.spec], shorthandField: "url")

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
    static let rowsPerStatement = 1000
    /// How long reconnecting after a lost connection goes on, waiting 0.5, 1, 2 … s between attempts.
    static let reconnectFor = 8.0
    /// PostgreSQL's longest identifier, in bytes.
    static let maximumNameLength = 63

    let connectionURL: String
    let tablePrefix: String
    let secrets: [String]
    // Used only on `io`, one write at a time; `current` lets a cancelled write reach it.
    var connection: PostgresConnection? {
        didSet { current.withLock { $0 = connection } }
    }
    let current = Mutex<PostgresConnection?>(nil)
    /// Raised when the write in progress is cancelled: no connection is made for it after that,
    /// as nothing could stop the statements sent on one (a connection being made when the
    /// cancel came, or made again after it, is beyond the cancel's reach).
    let stopped = Atomic<Bool>(false)
    var tables: Set<String> = []
    let io = BlockingQueue(label: "huiliu.sink.postgres")

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let url = try config[Self.url]
        connectionURL = url.value
        tablePrefix = try config[Self.prefix]
        try EventTables.checkPrefix(tablePrefix, in: config)
        // The connection masks the URL's password itself.
        secrets = String.maskable(config.secretValues.union([url.value]))
    }

    public func open(resumingAt position: Value?) async throws {
        try await io.run { _ = try self.connected() }
    }

    /// The connection, made again if the server went away since the last batch.
    func connected() throws -> PostgresConnection {
        if stopped.load(ordering: .relaxed) { throw CancellationError() }
        if let connection, connection.isHealthy { return connection }
        connection = nil
        let secrets = secrets
        let made: PostgresConnection
        do {
            made = try PostgresConnection(url: connectionURL, keepalive: true) { $0.maskingSecrets(secrets, with: "***") }
        } catch {
            throw SinkError("\(error)")
        }
        connection = made
        // A cancel that came while connecting reached no connection: this one must not be used.
        if stopped.load(ordering: .relaxed) {
            made.cancel()
            connection = nil
            throw CancellationError()
        }
        return made
    }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        let now = Timestamp.now()
        stopped.store(false, ordering: .relaxed)
        try await withTaskCancellationHandler {
            try await io.run { try self.upsert(envelopes, storedAt: now) }
        } onCancel: {
            stopped.store(true, ordering: .relaxed)
            current.withLock { $0?.cancel() }
        }
        return nil
    }

    /// Writes one batch in one transaction; a connection found broken afterwards (the server
    /// restarted, a proxy dropped it while idle) is made again and the batch, rolled back with
    /// it, written once more.
    func upsert(_ envelopes: [Envelope], storedAt now: String) throws {
        do {
            try upsert(envelopes, storedAt: now, into: try connected())
        } catch {
            // Tables created in the rolled-back transaction are gone again.
            tables.removeAll()
            // Stopped, not broken: the batch goes again next run, not now on a new connection
            // that nothing could stop any more.
            if connection?.wasCancelled == true || stopped.load(ordering: .relaxed) {
                connection = nil
                throw CancellationError()
            }
            guard let connection, !connection.isHealthy else { throw error }
            self.connection = nil
            try upsert(envelopes, storedAt: now, into: try reconnected())
        }
    }

    /// A new connection for a batch whose connection broke, tried again for a few seconds:
    /// a server restarting refuses connections ("the database system is shutting down") for a while.
    func reconnected() throws -> PostgresConnection {
        let deadline = Date().addingTimeInterval(Self.reconnectFor)
        var delay = 0.5
        while true {
            do {
                return try connected()
            } catch {
                // Attempts that time out (an unreachable host) count against the same few seconds.
                guard !(error is CancellationError), Date().addingTimeInterval(delay) < deadline else { throw error }
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
    }

    private func upsert(_ envelopes: [Envelope], storedAt now: String, into db: PostgresConnection) throws {
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
        let table = EventTables.name(prefix: tablePrefix, type: type, maximumLength: Self.maximumNameLength)
        guard !tables.contains(table) else { return table }
        // Two sessions creating one table at once make the second fail on PostgreSQL's catalog
        // (`pg_type_typname_nsp_index`), IF NOT EXISTS or not: two pipelines of one event type
        // first writing at the same fire time. A lock for the rest of the transaction serializes them.
        try db.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ["huiliu:" + table])
        try db.execute("""
            CREATE TABLE IF NOT EXISTS "\(table)" (
                id TEXT PRIMARY KEY, type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT, time TIMESTAMPTZ,
                dataschema TEXT, extensions JSONB, data JSONB, stored_at TIMESTAMPTZ NOT NULL)
            """)
        tables.insert(table)
        return table
    }

    /// `INSERT … ON CONFLICT (id) DO UPDATE` for `rows` rows of nine parameters.
    static func insert(into table: String, rows: Int) -> String {
        let values = (0..<rows).map { row in
            let p = row * 9
            return "($\(p + 1), $\(p + 2), $\(p + 3), $\(p + 4), $\(p + 5)::timestamptz, $\(p + 6), $\(p + 7)::jsonb, $\(p + 8)::jsonb, $\(p + 9)::timestamptz)"
        }
        return """
            INSERT INTO "\(table)" (id, type, source, subject, time, dataschema, extensions, data, stored_at)
            VALUES \(values.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET type = excluded.type, source = excluded.source, subject = excluded.subject,
                time = excluded.time, dataschema = excluded.dataschema, extensions = excluded.extensions,
                data = excluded.data, stored_at = excluded.stored_at
            """
    }

    static func parameters(_ envelope: Envelope, storedAt now: String) -> [String?] {
        [envelope.id, envelope.type, envelope.source, envelope.subject, envelope.time, envelope.dataschema].map { $0.map(Self.replacingNUL) }
            + [envelope.extensions.isEmpty ? nil : Value.object(envelope.extensions).jsonText, envelope.data?.jsonText].map { $0.map(Self.replacingEscapedNUL) }
            + [now]
    }

    /// `text` with each NUL, which PostgreSQL text cannot hold, as U+FFFD.
    static func replacingNUL(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// JSON text with each `\u0000` escape, which jsonb refuses, as `\ufffd`; an escaped
    /// backslash followed by `u0000` is left alone.
    static func replacingEscapedNUL(_ text: String) -> String {
        guard text.contains("\\u0000") else { return text }
        var result = ""
        var scalars = text.unicodeScalars.makeIterator()
        var pending: [Unicode.Scalar] = []
        while let scalar = scalars.next() {
            if scalar == "\u{0}" { result.unicodeScalars.append("\u{FFFD}"); continue }
            guard scalar == "\\" else { result.unicodeScalars.append(scalar); continue }
            // An escape: `\\` stays as it is; `\u0000` becomes the replacement character.
            guard let next = scalars.next() else { result.unicodeScalars.append(scalar); break }
            if next != "u" {
                result.unicodeScalars.append(scalar)
                result.unicodeScalars.append(next)
                continue
            }
            pending = ["\\", "u"]
            for _ in 0..<4 { if let digit = scalars.next() { pending.append(digit) } }
            if pending.count == 6 && String(String.UnicodeScalarView(pending[2...])) == "0000" {
                result += "\\ufffd"
            } else {
                result.unicodeScalars.append(contentsOf: pending)
            }
        }
        return result
    }

    public func close() async throws {
        try await io.run {
            self.connection = nil
            self.tables = []
        }
    }
}
