public import Foundation
import HuiliuCore

/// The shared state store: run history, checkpoints, dead letters and schedule marks in a
/// PostgreSQL database, so that several gateways (or a gateway and an operator's shell on
/// another machine) see one state. `store: { postgres: URL }` in `config/huiliu.yaml`.
///
/// The tables are those of ``SQLiteStateStore``, created when missing. Every call runs on the
/// store's own serial queue over one connection, made again when the server went away; a
/// commit is one transaction, as in SQLite.
public final class PostgresStateStore: StateStore, @unchecked Sendable {
    let url: String
    let mask: @Sendable (String) -> String
    let queue = BlockingQueue(label: "huiliu.store.postgres")
    // Used only on `queue`.
    var connection: PostgresConnection?
    /// When the server was found gone, until a call succeeds again: one outage is waited out
    /// once, 15 s from its start, not by every call queued behind it.
    var outageSince: ContinuousClock.Instant?

    static let schema = StateDatabase.schema(serialKey: "BIGSERIAL PRIMARY KEY", integer: "BIGINT", real: "DOUBLE PRECISION")

    /// The key of the advisory lock that serializes creating the tables: two gateways starting
    /// at once would otherwise both try, and `IF NOT EXISTS` does not keep them apart.
    static let schemaLock = 0x6875_696c_6975

    /// Connects to `url` and creates the tables as needed.
    /// - Parameters:
    ///   - url: a libpq URL or connection string.
    ///   - mask: masks secrets in error text (the connection masks the URL's password too).
    public init(url: String, mask: @escaping @Sendable (String) -> String = { $0 }) throws {
        self.url = url
        self.mask = mask
        let db = try connected()
        // Creating the tables needs rights a gateway's role may lack once they exist (and
        // briefly locks them): only when one is missing.
        let present = try db.execute("""
            SELECT count(*) FROM unnest(ARRAY['huiliu_runs', 'huiliu_checkpoints', 'huiliu_dead_letters', 'huiliu_schedule', 'huiliu_provenance']) AS t(name)
            WHERE to_regclass(t.name) IS NOT NULL
            """)
        guard Self.scalar(present) != "5" else { return }
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock($1)", [String(Self.schemaLock)])
            // One statement per call: parameterized execution takes no more.
            for statement in Self.schema.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try db.execute(String(statement))
            }
        }
    }

    /// The connection, made again if the server went away since the last call.
    private func connected() throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        connection = nil
        // Probed while idle: a connection a firewall dropped in silence fails the next call at
        // once (which then connects again) instead of waiting out TCP's retransmissions, about
        // 15 minutes, with every store call queued behind it.
        let made = try PostgresConnection(url: url, keepalive: true, mask: mask)
        connection = made
        return made
    }

    /// Runs `body` on the queue with a healthy connection. A connection is found dead only
    /// when used (the server restarted, a firewall dropped it while idle): then `body` runs
    /// once more on a new one, unless `retrying` is false. The operations that retry are safe
    /// to repeat: a failed transaction was rolled back, inserts of runs are idempotent and dead
    /// letters are deduplicated.
    private func run<R: Sendable>(retrying: Bool = true, waiting: Bool = true,
                                  _ body: @escaping @Sendable (PostgresConnection) throws -> R) async throws -> R {
        try await queue.run { [self] in
            // A lost connection is made again and the body run once more at once, as always. With
            // `waiting`, a server gone for longer (a restart, a failover) is waited for, 15 s from
            // the start of the outage; calls after that fail at once until one succeeds.
            var pause = 0.5
            var attempts = 0
            while true {
                do {
                    let result = try body(try connected())
                    outageSince = nil
                    return result
                } catch {
                    attempts += 1
                    let lost = connection.map { !$0.isHealthy } ?? true
                    guard retrying, lost else { throw error }
                    if attempts == 1 { continue }
                    let since = outageSince ?? ContinuousClock.now
                    outageSince = since
                    guard waiting, since.duration(to: .now) < .seconds(15) else { throw error }
                    Thread.sleep(forTimeInterval: pause)
                    pause = min(pause * 2, 4)
                }
            }
        }
    }

    public func startRun(pipeline: String, trigger: String) async throws -> RunRecord {
        let run = RunRecord(id: StateDatabase.newRunID(), pipeline: pipeline, trigger: trigger, startedAt: Timestamp.now(), status: .running)
        try await self.run { db in
            try db.execute("INSERT INTO huiliu_runs (id, pipeline, trigger, started_at, status) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                           [run.id, pipeline, trigger, run.startedAt, run.status.rawValue])
        }
        return run
    }

    public func finishRun(_ run: RunRecord) async throws {
        try await self.run { db in try Self.update(run, in: db) }
    }

    private static func update(_ run: RunRecord, in db: PostgresConnection) throws {
        try db.execute("""
            UPDATE huiliu_runs SET finished_at = $1, status = $2, records_read = $3, records_written = $4,
                records_failed = $5, error = $6 WHERE id = $7
            """, [run.finishedAt, run.status.rawValue, String(run.recordsRead), String(run.recordsWritten),
                  String(run.recordsFailed), run.error.map(Self.storable), run.id])
    }

    public func markInterruptedRuns(pipeline: String?, reason: String) async throws -> Int {
        try await run { db in
            let rows = try db.execute("""
                WITH marked AS (UPDATE huiliu_runs SET status = 'interrupted', finished_at = $1, error = coalesce(error, $3)
                                WHERE status = 'running' AND ($2::text IS NULL OR pipeline = $2) RETURNING 1)
                SELECT count(*) FROM marked
                """, [Timestamp.now(), pipeline, reason])
            return Self.scalar(rows).flatMap { Int($0) } ?? 0
        }
    }

    public func pruneRuns(startedBefore cutoff: String) async throws -> Int {
        try await run { db in
            let rows = try db.execute("""
                WITH pruned AS (DELETE FROM huiliu_runs WHERE started_at < $1 AND status != 'running'
                    AND started_at < (SELECT max(started_at) FROM huiliu_runs latest WHERE latest.pipeline = huiliu_runs.pipeline AND latest.status != 'running')
                    RETURNING 1)
                SELECT count(*) FROM pruned
                """, [cutoff])
            return Self.scalar(rows).flatMap { Int($0) } ?? 0
        }
    }

    public func markInterrupted(runs ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await run { db in
            let rows = try db.execute("""
                WITH marked AS (UPDATE huiliu_runs SET status = 'interrupted', finished_at = $1, error = coalesce(error, $3)
                                WHERE status = 'running' AND id = ANY(string_to_array($2, ',')) RETURNING 1)
                SELECT count(*) FROM marked
                """, [Timestamp.now(), ids.joined(separator: ","), RunRecord.interruptedReason])
            return Self.scalar(rows).flatMap { Int($0) } ?? 0
        }
    }

    public func runs(pipeline: String?, status: RunStatus?, limit: Int) async throws -> [RunRecord] {
        try await run { db in
            try db.execute("""
                SELECT \(StateDatabase.runColumns) FROM huiliu_runs
                WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
                ORDER BY started_at DESC, id DESC LIMIT $3
                """, [pipeline, status?.rawValue, String(limit)]).map(StateDatabase.runRecord)
        }
    }

    public func run(id: String) async throws -> RunRecord? {
        try await run { db in
            try db.execute("SELECT \(StateDatabase.runColumns) FROM huiliu_runs WHERE id = $1", [id]).first.map(StateDatabase.runRecord)
        }
    }

    public func checkpoint(pipeline: String, stream: String) async throws -> StoredCheckpoint? {
        try await run { db in
            try db.execute("""
                SELECT \(StateDatabase.checkpointColumns) FROM huiliu_checkpoints WHERE pipeline = $1 AND stream = $2
                """, [pipeline, stream]).first.map(StateDatabase.storedCheckpoint)
        }
    }

    public func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                       deadLetters: [DeadLetter], provenance: ProvenanceEntry?, replayed: [Int], superseded: [Int]) async throws {
        // Not waited for: the pipeline's lock died with the server's sessions, and another
        // gateway may hold it by the time the server is back; the run fails instead.
        try await self.run(waiting: false) { db in
            try db.transaction {
                try Self.commitRows(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters,
                                    provenance: provenance, replayed: replayed, in: db)
                for id in superseded {
                    try db.execute("UPDATE huiliu_dead_letters SET status = 'superseded', replay_run_id = $1 WHERE id = $2 AND status = 'pending'",
                                   [run.id, String(id)])
                }
            }
        }
    }

    public func pendingDeadLetterCounts() async throws -> [String: Int] {
        try await run { db in
            var counts: [String: Int] = [:]
            for row in try db.execute(StateDatabase.pendingCountsQuery) {
                if let pipeline = row[0] ?? nil, let count = (row[1] ?? nil).flatMap({ Int($0) }) { counts[pipeline] = count }
            }
            return counts
        }
    }

    public func pendingLetterKeys(pipeline: String) async throws -> [(id: Int, identity: String)] {
        try await run { db in
            try db.execute(StateDatabase.pendingLetterKeysQuery("$1"), [pipeline]).compactMap {
                StateDatabase.letterIdentity(id: $0[0].flatMap { Int($0) }, $0[1] ?? nil)
            }
        }
    }

    public func commitAbort(_ checkpoint: StoredCheckpoint, pipeline: String, stream: String, run: RunRecord,
                            deadLetters: [DeadLetter], provenance: ProvenanceEntry?) async throws {
        try await self.run(waiting: false) { db in
            try db.transaction {
                try Self.commitRows(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters,
                                    provenance: provenance, replayed: [], in: db)
                try Self.markAbortedRows(runID: run.id, in: db)
            }
        }
    }

    private static func commitRows(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                                   deadLetters: [DeadLetter], provenance: ProvenanceEntry?, replayed: [Int],
                                   in db: PostgresConnection) throws {
        _ = try Self.insert(deadLetters, into: db)
        try Self.update(run, in: db)
        try Self.markReplayed(replayed, runID: run.id, in: db)
        if let provenance {
            let last = try db.execute("SELECT sequence, hash FROM huiliu_provenance WHERE pipeline = $1 ORDER BY sequence DESC LIMIT 1",
                                      [pipeline]).first.map { (sequence: $0[0].flatMap { Int($0) } ?? 0, hash: $0[1] ?? "") }
            let link = provenance.link(pipeline: pipeline, after: last)
            // A commit repeated on a new connection (its reply was lost) finds its entry there.
            try db.execute("""
                INSERT INTO huiliu_provenance (pipeline, sequence, run_id, batch, entry, hash) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (pipeline, run_id, batch) DO NOTHING
                """, [pipeline, String(link.sequence), provenance.runID, String(provenance.batch), link.text, link.hash])
        }
        guard let checkpoint else { return }
        try db.execute("""
            INSERT INTO huiliu_checkpoints (pipeline, stream, value, sink_positions, run_id, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (pipeline, stream) DO UPDATE SET value = excluded.value,
                sink_positions = excluded.sink_positions, run_id = excluded.run_id, updated_at = excluded.updated_at
            """, [pipeline, stream, Self.storable(checkpoint.checkpoint.value.jsonText), Self.storable(StateDatabase.positionsText(checkpoint)),
                  checkpoint.runID, checkpoint.updatedAt])
    }

    public func provenance(pipeline: String, after sequence: Int, limit: Int) async throws -> [ProvenanceLink] {
        try await run { db in
            try db.execute("SELECT sequence, entry, hash FROM huiliu_provenance WHERE pipeline = $1 AND sequence > $2 ORDER BY sequence LIMIT $3",
                           [pipeline, String(sequence), String(limit)])
                .map { ProvenanceLink(sequence: $0[0].flatMap { Int($0) } ?? 0, text: $0[1] ?? "", hash: $0[2] ?? "") }
        }
    }

    public func provenancePipelines() async throws -> [String] {
        try await run { db in try db.execute("SELECT DISTINCT pipeline FROM huiliu_provenance ORDER BY pipeline").compactMap { $0[0] } }
    }

    public func resetCheckpoints(pipeline: String) async throws {
        try await run { db in try db.execute("DELETE FROM huiliu_checkpoints WHERE pipeline = $1", [pipeline]) }
    }

    public func lastScheduledFire(pipeline: String) async throws -> Date? {
        try await run { db in
            try db.execute("SELECT last_fire FROM huiliu_schedule WHERE pipeline = $1", [pipeline]).first?.first?
                .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        }
    }

    public func recordScheduledFire(pipeline: String, at: Date, replacing claimed: Date?) async throws {
        try await run { db in
            // The exact bits of the double: its shortest round-tripping text.
            if let claimed {
                try db.execute("UPDATE huiliu_schedule SET last_fire = $2 WHERE pipeline = $1 AND last_fire = $3",
                               [pipeline, "\(at.timeIntervalSince1970)", "\(claimed.timeIntervalSince1970)"])
                return
            }
            try db.execute("""
                INSERT INTO huiliu_schedule (pipeline, last_fire) VALUES ($1, $2)
                ON CONFLICT (pipeline) DO UPDATE SET last_fire = excluded.last_fire
                """, [pipeline, "\(at.timeIntervalSince1970)"])
        }
    }

    /// One statement, so two gateways claiming the same fire time cannot both win: the row is
    /// written only where it holds an earlier time, and a row comes back only when written.
    ///
    /// Never repeated on a new connection: a claim that went through before its reply was lost
    /// would find its own row and answer that another gateway won, and the fire would be
    /// skipped by every gateway. Failing instead, the caller runs it.
    public func claimScheduledFire(pipeline: String, at: Date) async throws -> Bool {
        try await run(retrying: false) { db in
            !(try db.execute("""
                INSERT INTO huiliu_schedule AS s (pipeline, last_fire) VALUES ($1, $2)
                ON CONFLICT (pipeline) DO UPDATE SET last_fire = excluded.last_fire WHERE s.last_fire < excluded.last_fire
                RETURNING 1
                """, [pipeline, "\(at.timeIntervalSince1970)"]).isEmpty)
        }
    }

    /// The size of Huiliu's tables with their indexes (not the whole database).
    public func sizeInBytes() async throws -> Int {
        try await run { db in
            let rows = try db.execute("""
                SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
                WHERE c.relkind = 'r' AND c.relname IN ('huiliu_runs', 'huiliu_checkpoints', 'huiliu_dead_letters', 'huiliu_schedule', 'huiliu_provenance')
                AND pg_table_is_visible(c.oid)
                """)
            return Self.scalar(rows).flatMap { Int($0) } ?? 0
        }
    }

    @discardableResult
    public func addDeadLetters(_ letters: [DeadLetter]) async throws -> [DeadLetter] {
        guard !letters.isEmpty else { return [] }
        return try await run { db in try db.transaction { try Self.insert(letters, into: db) } }
    }

    /// Inserts `letters`, each once: the same record failing the same way again while its
    /// letter is pending is that letter (see ``SQLiteStateStore``).
    private static func insert(_ letters: [DeadLetter], into db: PostgresConnection) throws -> [DeadLetter] {
        var stored: [DeadLetter] = []
        for var letter in letters {
            let payload = storable(letter.payload.jsonText)
            if let existing = try db.execute("""
                SELECT id FROM huiliu_dead_letters
                WHERE pipeline = $1 AND status = 'pending' AND step = $2 AND origin = $3 AND payload = $4 LIMIT 1
                """, [letter.pipeline, letter.step, storable(letter.origin), payload]).first?.first ?? nil, let id = Int(existing) {
                // Its reason is the latest failure's: the step may have changed since (a field removed).
                _ = try db.execute("UPDATE huiliu_dead_letters SET reason = $1, pointer = $2, rule = $3 WHERE id = $4",
                                   [storable(letter.reason), letter.pointer.map(storable), letter.rule, String(id)])
                letter.id = id
                stored.append(letter)
                continue
            }
            let id = try db.execute("""
                INSERT INTO huiliu_dead_letters (pipeline, run_id, step, origin, reason, pointer, rule, payload, created_at, status,
                                                 source_fields)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id
                """, [letter.pipeline, letter.runID, letter.step, storable(letter.origin), storable(letter.reason),
                      letter.pointer.map(storable), letter.rule, payload, letter.createdAt, letter.status,
                      letter.sourceFields.map { storable($0.value.jsonText) }]).first?.first ?? nil
            letter.id = id.flatMap { Int($0) } ?? 0
            stored.append(letter)
        }
        return stored
    }

    public func deadLetters(pipeline: String?, status: String?, limit: Int, payloads: Bool) async throws -> [DeadLetter] {
        try await run { db in
            try db.execute("""
                SELECT \(payloads ? StateDatabase.deadLetterColumns : StateDatabase.deadLetterColumnsWithoutPayload) FROM huiliu_dead_letters
                WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
                ORDER BY id DESC LIMIT $3
                """, [pipeline, status, String(limit)]).map(StateDatabase.deadLetter)
        }
    }

    public func deadLetter(id: Int) async throws -> DeadLetter? {
        try await run { db in
            try db.execute("SELECT \(StateDatabase.deadLetterColumns) FROM huiliu_dead_letters WHERE id = $1", [String(id)])
                .first.map(StateDatabase.deadLetter)
        }
    }

    public func discardDeadLetters(ids: [Int]) async throws -> [Int] {
        try await changeStatus(ids, "UPDATE huiliu_dead_letters SET status = 'discarded' WHERE id = $1 AND status = 'pending' RETURNING id")
    }

    /// Runs `update` (`$1`, the id, and `RETURNING id`) for each of `ids`; returns the ids it changed.
    private func changeStatus(_ ids: [Int], _ update: String) async throws -> [Int] {
        try await run { db in
            try db.transaction {
                try ids.compactMap { id in try db.execute(update, [String(id)]).first?.first.flatMap { $0.flatMap { Int($0) } } }
            }
        }
    }

    public func reopenDeadLetters(ids: [Int]) async throws -> [Int] {
        try await changeStatus(ids, """
            UPDATE huiliu_dead_letters SET status = 'pending', replay_run_id = NULL
            WHERE id = $1 AND status IN ('superseded', 'discarded') RETURNING id
            """)
    }

    public func markReplayed(ids: [Int], runID: String) async throws {
        try await run { db in
            try db.transaction { try Self.markReplayed(ids, runID: runID, in: db) }
        }
    }

    public func refreshDeadLetters(_ letters: [DeadLetter]) async throws {
        guard !letters.isEmpty else { return }
        try await run { db in
            try db.transaction {
                for letter in letters {
                    try db.execute("UPDATE huiliu_dead_letters SET step = $1, reason = $2, pointer = $3, rule = $4 WHERE id = $5 AND status = 'pending'",
                                   [letter.step, letter.reason, letter.pointer, letter.rule, String(letter.id)])
                }
            }
        }
    }

    private static func markReplayed(_ ids: [Int], runID: String, in db: PostgresConnection) throws {
        for id in ids {
            try db.execute("UPDATE huiliu_dead_letters SET status = 'replayed', replay_run_id = $1 WHERE id = $2", [runID, String(id)])
        }
    }

    private static func markAbortedRows(runID: String, in db: PostgresConnection) throws {
        // A retry aborted the same way finds the same failures: they are kept once.
        try db.execute("""
            DELETE FROM huiliu_dead_letters AS letter WHERE run_id = $1 AND status = 'pending' AND EXISTS (
                SELECT 1 FROM huiliu_dead_letters AS earlier WHERE earlier.status = 'aborted'
                AND earlier.pipeline = letter.pipeline AND earlier.step = letter.step
                AND earlier.origin = letter.origin AND earlier.payload = letter.payload)
            """, [runID])
        try db.execute("UPDATE huiliu_dead_letters SET status = 'aborted' WHERE run_id = $1 AND status = 'pending'", [runID])
        // What the run delivered is rolled back: the letters it superseded wait again.
        try db.execute("UPDATE huiliu_dead_letters SET status = 'pending', replay_run_id = NULL WHERE status = 'superseded' AND replay_run_id = $1",
                       [runID])
    }

    /// The first column of the first row.
    package static func scalar(_ rows: [[String?]]) -> String? {
        rows.first?.first ?? nil
    }

    /// PostgreSQL text cannot hold NUL (JSON escapes it, but origins and reasons are plain text).
    static func storable(_ text: String) -> String {
        text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "\u{FFFD}") : text
    }
}
