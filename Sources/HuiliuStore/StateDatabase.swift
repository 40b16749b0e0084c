import HuiliuCore
import Foundation

/// The state store's tables and queries, called synchronously; ``SQLiteStateStore`` runs
/// them one at a time on its queue.
final class StateDatabase: @unchecked Sendable {
    let db: SQLiteDatabase

    /// The state tables, in the SQL of either store: the types that differ are given.
    static func schema(serialKey: String, integer: String, real: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS huiliu_runs (
            id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, trigger TEXT NOT NULL,
            started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
            records_read \(integer) NOT NULL DEFAULT 0, records_written \(integer) NOT NULL DEFAULT 0,
            records_failed \(integer) NOT NULL DEFAULT 0, error TEXT);
        CREATE INDEX IF NOT EXISTS huiliu_runs_pipeline ON huiliu_runs(pipeline, started_at);
        CREATE TABLE IF NOT EXISTS huiliu_checkpoints (
            pipeline TEXT NOT NULL, stream TEXT NOT NULL, value TEXT NOT NULL, sink_positions TEXT NOT NULL,
            run_id TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (pipeline, stream));
        CREATE TABLE IF NOT EXISTS huiliu_dead_letters (
            id \(serialKey), pipeline TEXT NOT NULL, run_id TEXT NOT NULL,
            step TEXT NOT NULL, origin TEXT NOT NULL, reason TEXT NOT NULL, pointer TEXT, rule TEXT,
            payload TEXT NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
            replay_run_id TEXT, source_fields TEXT);
        CREATE INDEX IF NOT EXISTS huiliu_dead_letters_pipeline ON huiliu_dead_letters(pipeline, status);
        CREATE INDEX IF NOT EXISTS huiliu_dead_letters_origin ON huiliu_dead_letters(pipeline, origin);
        CREATE TABLE IF NOT EXISTS huiliu_schedule (pipeline TEXT PRIMARY KEY, last_fire \(real) NOT NULL);
        CREATE TABLE IF NOT EXISTS huiliu_provenance (
            pipeline TEXT NOT NULL, sequence \(integer) NOT NULL, run_id TEXT NOT NULL, batch \(integer) NOT NULL,
            entry TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (pipeline, sequence), UNIQUE (pipeline, run_id, batch));
        """
    }

    static let schema = schema(serialKey: "INTEGER PRIMARY KEY AUTOINCREMENT", integer: "INTEGER", real: "REAL")

    /// Opens the store at `path`, creating the file, its directory and its tables as needed.
    init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            db = try SQLiteDatabase(path: path)
            try db.execute(Self.schema)
        } catch {
            // SQLite says "unable to open database file"; the cause is usually the folder.
            let folder = directory.isEmpty ? "." : directory
            if access(folder, W_OK) != 0 {
                let reason = String(cString: strerror(errno))
                throw StoreError("""
                    \(path): the state store cannot be opened: its folder \(folder) is not writable (\(reason)), and SQLite \
                    writes beside the database even to read it (its write-ahead log); to inspect a read-only copy, copy \
                    the folder somewhere writable and run from there
                    """)
            }
            throw error
        }
        // Stores from before dead letters kept the source's envelope fields get the column.
        let columns = try db.prepare("PRAGMA table_info(huiliu_dead_letters)").rows().compactMap { $0[1].text }
        if !columns.contains("source_fields") {
            try db.execute("ALTER TABLE huiliu_dead_letters ADD COLUMN source_fields TEXT")
        }
    }

    static func newRunID() -> String {
        // Time-ordered: milliseconds since the epoch in hex, then randomness.
        let millis = UInt64(Date().timeIntervalSince1970 * 1000)
        let random = UInt32.random(in: 0...UInt32.max)
        let hex = String(millis, radix: 16)
        let tail = String(random, radix: 16)
        return "r" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
            + String(repeating: "0", count: max(0, 8 - tail.count)) + tail
    }

    func startRun(pipeline: String, trigger: String) throws -> RunRecord {
        let run = RunRecord(id: Self.newRunID(), pipeline: pipeline, trigger: trigger, startedAt: Timestamp.now(), status: .running)
        try db.prepare("INSERT INTO huiliu_runs (id, pipeline, trigger, started_at, status) VALUES (?, ?, ?, ?, ?)")
            .run([.text(run.id), .text(pipeline), .text(trigger), .text(run.startedAt), .text(run.status.rawValue)])
        return run
    }

    func finishRun(_ run: RunRecord) throws {
        try updateRun(run)
    }

    private func updateRun(_ run: RunRecord) throws {
        try db.cached("""
            UPDATE huiliu_runs SET finished_at = ?, status = ?, records_read = ?, records_written = ?,
                records_failed = ?, error = ? WHERE id = ?
            """).run([run.finishedAt.map { .text($0) } ?? .null, .text(run.status.rawValue), .integer(run.recordsRead),
                      .integer(run.recordsWritten), .integer(run.recordsFailed),
                      run.error.map { .text($0) } ?? .null, .text(run.id)])
    }

    func markInterruptedRuns(pipeline: String?, reason: String) throws -> Int {
        if let pipeline {
            try db.prepare("UPDATE huiliu_runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, ?) WHERE status = 'running' AND pipeline = ?")
                .run([.text(Timestamp.now()), .text(reason), .text(pipeline)])
        } else {
            try db.prepare("UPDATE huiliu_runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, ?) WHERE status = 'running'")
                .run([.text(Timestamp.now()), .text(reason)])
        }
        return db.changes
    }

    func markInterrupted(runs ids: [String]) throws -> Int {
        var changed = 0
        let statement = try db.prepare("UPDATE huiliu_runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, ?) WHERE status = 'running' AND id = ?")
        for id in ids {
            try statement.run([.text(Timestamp.now()), .text(RunRecord.interruptedReason), .text(id)])
            changed += db.changes
        }
        return changed
    }

    func pruneRuns(startedBefore cutoff: String) throws -> Int {
        try db.prepare("""
            DELETE FROM huiliu_runs WHERE started_at < ? AND status != 'running'
                AND started_at < (SELECT max(started_at) FROM huiliu_runs latest WHERE latest.pipeline = huiliu_runs.pipeline AND latest.status != 'running')
            """).run([.text(cutoff)])
        return db.changes
    }

    func runs(pipeline: String?, status: RunStatus?, limit: Int) throws -> [RunRecord] {
        var sql = "SELECT \(Self.runColumns) FROM huiliu_runs WHERE 1=1"
        var arguments: [SQLiteValue] = []
        if let pipeline { sql += " AND pipeline = ?"; arguments.append(.text(pipeline)) }
        if let status { sql += " AND status = ?"; arguments.append(.text(status.rawValue)) }
        sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
        arguments.append(.integer(limit))
        return try db.prepare(sql).rows(arguments).map { Self.runRecord($0.map(\.columnText)) }
    }

    func run(id: String) throws -> RunRecord? {
        try db.prepare("SELECT \(Self.runColumns) FROM huiliu_runs WHERE id = ?")
            .rows([.text(id)]).first.map { Self.runRecord($0.map(\.columnText)) }
    }

    static let runColumns = "id, pipeline, trigger, started_at, finished_at, status, records_read, records_written, records_failed, error"

    /// A row of ``runColumns``, each column as text; shared with ``PostgresStateStore``.
    static func runRecord(_ row: [String?]) -> RunRecord {
        func integer(_ index: Int) -> Int { row[index].flatMap { Int($0) } ?? 0 }
        return RunRecord(id: row[0] ?? "", pipeline: row[1] ?? "", trigger: row[2] ?? "", startedAt: row[3] ?? "",
                         finishedAt: row[4], status: RunStatus(rawValue: row[5] ?? "") ?? .failed,
                         recordsRead: integer(6), recordsWritten: integer(7), recordsFailed: integer(8), error: row[9])
    }

    static let checkpointColumns = "value, sink_positions, run_id, updated_at"

    /// A row of ``checkpointColumns``, each column as text; shared with ``PostgresStateStore``.
    static func storedCheckpoint(_ row: [String?]) throws -> StoredCheckpoint {
        var positions: [String: Value] = [:]
        if case .object(let object) = try JSONReader.parse(row[1] ?? "{}") {
            for (key, position) in object { positions[key] = position }
        }
        return StoredCheckpoint(checkpoint: Checkpoint(try JSONReader.parse(row[0] ?? "null")), sinkPositions: positions,
                                runID: row[2] ?? "", updatedAt: row[3] ?? "")
    }

    /// The sink positions as stored: a JSON object with its keys sorted.
    static func positionsText(_ checkpoint: StoredCheckpoint) -> String {
        var positions = Object()
        for key in checkpoint.sinkPositions.keys.sorted() { positions[key] = checkpoint.sinkPositions[key] }
        return Value.object(positions).jsonText
    }

    func checkpoint(pipeline: String, stream: String) throws -> StoredCheckpoint? {
        try db.prepare("SELECT \(Self.checkpointColumns) FROM huiliu_checkpoints WHERE pipeline = ? AND stream = ?")
            .rows([.text(pipeline), .text(stream)]).first.map { try Self.storedCheckpoint($0.map(\.columnText)) }
    }

    func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                deadLetters: [DeadLetter], provenance: ProvenanceEntry?, replayed: [Int], superseded: [Int] = []) throws {
        try db.transaction {
            try commitRows(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters,
                           provenance: provenance, replayed: replayed)
            let update = try db.cached("UPDATE huiliu_dead_letters SET status = 'superseded', replay_run_id = ? WHERE id = ? AND status = 'pending'")
            for id in superseded { try update.run([.text(run.id), .integer(id)]) }
        }
    }

    static let pendingCountsQuery = "SELECT pipeline, count(*) FROM huiliu_dead_letters WHERE status = 'pending' GROUP BY pipeline"

    func pendingDeadLetterCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try db.prepare(Self.pendingCountsQuery).rows([]) {
            if let pipeline = row[0].text, let count = row[1].integer { counts[pipeline] = count }
        }
        return counts
    }

    func pendingLetterKeys(pipeline: String) throws -> [(id: Int, identity: String)] {
        try db.prepare(Self.pendingLetterKeysQuery("?")).rows([.text(pipeline)]).compactMap { Self.letterIdentity(id: $0[0].integer, $0[1].text) }
    }

    /// The pending letters of a pipeline (named by `parameter`) with their source fields.
    static func pendingLetterKeysQuery(_ parameter: String) -> String {
        "SELECT id, source_fields FROM huiliu_dead_letters WHERE pipeline = \(parameter) AND status = 'pending' AND source_fields IS NOT NULL"
    }

    /// A letter's id and its record's identity at the source, from its stored source fields.
    static func letterIdentity(id: Int?, _ sourceFields: String?) -> (id: Int, identity: String)? {
        guard let id, let text = sourceFields, let fields = try? JSONReader.parse(text),
              let identity = SourceFields(value: fields).identity else { return nil }
        return (id, identity)
    }

    func commitAbort(_ checkpoint: StoredCheckpoint, pipeline: String, stream: String, run: RunRecord,
                     deadLetters: [DeadLetter], provenance: ProvenanceEntry?) throws {
        try db.transaction {
            try commitRows(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters,
                           provenance: provenance, replayed: [])
            try markAbortedRows(runID: run.id)
        }
    }

    private func commitRows(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                            deadLetters: [DeadLetter], provenance: ProvenanceEntry?, replayed: [Int]) throws {
        try insertDeadLetters(deadLetters)
        try updateRun(run)
        try markReplayedRows(ids: replayed, runID: run.id)
        if let provenance {
            let last = try db.cached("SELECT sequence, hash FROM huiliu_provenance WHERE pipeline = ? ORDER BY sequence DESC LIMIT 1")
                .rows([.text(pipeline)]).first.map { (sequence: $0[0].integer ?? 0, hash: $0[1].text ?? "") }
            let link = provenance.link(pipeline: pipeline, after: last)
            try db.cached("INSERT INTO huiliu_provenance (pipeline, sequence, run_id, batch, entry, hash) VALUES (?, ?, ?, ?, ?, ?)")
                .run([.text(pipeline), .integer(link.sequence), .text(provenance.runID), .integer(provenance.batch), .text(link.text),
                      .text(link.hash)])
        }
        guard let checkpoint else { return }
        try db.cached("""
            INSERT INTO huiliu_checkpoints (pipeline, stream, value, sink_positions, run_id, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (pipeline, stream) DO UPDATE SET value = excluded.value,
                sink_positions = excluded.sink_positions, run_id = excluded.run_id, updated_at = excluded.updated_at
            """).run([.text(pipeline), .text(stream), .text(checkpoint.checkpoint.value.jsonText),
                      .text(Self.positionsText(checkpoint)), .text(checkpoint.runID), .text(checkpoint.updatedAt)])
    }

    func provenance(pipeline: String, after sequence: Int, limit: Int) throws -> [ProvenanceLink] {
        try db.prepare("SELECT sequence, entry, hash FROM huiliu_provenance WHERE pipeline = ? AND sequence > ? ORDER BY sequence LIMIT ?")
            .rows([.text(pipeline), .integer(sequence), .integer(limit)])
            .map { ProvenanceLink(sequence: $0[0].integer ?? 0, text: $0[1].text ?? "", hash: $0[2].text ?? "") }
    }

    func provenancePipelines() throws -> [String] {
        try db.prepare("SELECT DISTINCT pipeline FROM huiliu_provenance ORDER BY pipeline").rows().compactMap { $0[0].text }
    }

    func lastScheduledFire(pipeline: String) throws -> Date? {
        guard case .real(let seconds)? = try db.prepare("SELECT last_fire FROM huiliu_schedule WHERE pipeline = ?")
            .rows([.text(pipeline)]).first?.first else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    func recordScheduledFire(pipeline: String, at: Date, replacing claimed: Date?) throws {
        if let claimed {
            try db.prepare("UPDATE huiliu_schedule SET last_fire = ? WHERE pipeline = ? AND last_fire = ?")
                .run([.real(at.timeIntervalSince1970), .text(pipeline), .real(claimed.timeIntervalSince1970)])
            return
        }
        try db.prepare("INSERT INTO huiliu_schedule (pipeline, last_fire) VALUES (?, ?) ON CONFLICT (pipeline) DO UPDATE SET last_fire = excluded.last_fire")
            .run([.text(pipeline), .real(at.timeIntervalSince1970)])
    }

    func sizeInBytes() throws -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: db.path)
        let wal = try? FileManager.default.attributesOfItem(atPath: db.path + "-wal")
        return ((attributes?[.size] as? Int) ?? 0) + ((wal?[.size] as? Int) ?? 0)
    }

    func resetCheckpoints(pipeline: String) throws {
        try db.prepare("DELETE FROM huiliu_checkpoints WHERE pipeline = ?").run([.text(pipeline)])
    }

    @discardableResult
    func addDeadLetters(_ letters: [DeadLetter]) throws -> [DeadLetter] {
        guard !letters.isEmpty else { return [] }
        return try db.transaction { try insertDeadLetters(letters) }
    }

    @discardableResult
    private func insertDeadLetters(_ letters: [DeadLetter]) throws -> [DeadLetter] {
        guard !letters.isEmpty else { return [] }
        let insert = try db.cached("""
            INSERT INTO huiliu_dead_letters (pipeline, run_id, step, origin, reason, pointer, rule, payload, created_at, status,
                                             source_fields)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // The same record failing the same way again (a source that resumes before the failure,
        // like a Singer tap after a crash) is one letter, not two that replay would both deliver.
        let pending = try db.cached("""
            SELECT id FROM huiliu_dead_letters
            WHERE pipeline = ? AND status = 'pending' AND step = ? AND origin = ? AND payload = ? LIMIT 1
            """)
        // Its reason is the latest failure's: the step may have changed since (a field removed).
        let refresh = try db.cached("UPDATE huiliu_dead_letters SET reason = ?, pointer = ?, rule = ? WHERE id = ?")
        var stored: [DeadLetter] = []
        for var letter in letters {
            let payload = letter.payload.jsonText
            if let existing = try pending.rows([.text(letter.pipeline), .text(letter.step), .text(letter.origin), .text(payload)])
                .first?.first?.integer {
                try refresh.run([.text(letter.reason), letter.pointer.map { .text($0) } ?? .null, letter.rule.map { .text($0) } ?? .null,
                                 .integer(existing)])
                letter.id = existing
                stored.append(letter)
                continue
            }
            try insert.run([.text(letter.pipeline), .text(letter.runID), .text(letter.step), .text(letter.origin),
                            .text(letter.reason), letter.pointer.map { .text($0) } ?? .null,
                            letter.rule.map { .text($0) } ?? .null, .text(payload),
                            .text(letter.createdAt), .text(letter.status),
                            letter.sourceFields.map { .text($0.value.jsonText) } ?? .null])
            letter.id = db.lastInsertRowID
            stored.append(letter)
        }
        return stored
    }

    static let deadLetterColumns = "id, pipeline, run_id, step, origin, reason, pointer, rule, payload, created_at, status, replay_run_id, source_fields"

    /// ``deadLetterColumns`` with the payload left out (read as null).
    static let deadLetterColumnsWithoutPayload = deadLetterColumns.replacingOccurrences(of: " payload,", with: " NULL,")

    func deadLetters(pipeline: String?, status: String?, limit: Int, payloads: Bool = true) throws -> [DeadLetter] {
        var sql = "SELECT \(payloads ? Self.deadLetterColumns : Self.deadLetterColumnsWithoutPayload) FROM huiliu_dead_letters WHERE 1=1"
        var arguments: [SQLiteValue] = []
        if let pipeline { sql += " AND pipeline = ?"; arguments.append(.text(pipeline)) }
        if let status { sql += " AND status = ?"; arguments.append(.text(status)) }
        sql += " ORDER BY id DESC LIMIT ?"
        arguments.append(.integer(limit))
        return try db.prepare(sql).rows(arguments).map { try Self.deadLetter($0.map(\.columnText)) }
    }

    func deadLetter(id: Int) throws -> DeadLetter? {
        try db.prepare("SELECT \(Self.deadLetterColumns) FROM huiliu_dead_letters WHERE id = ?")
            .rows([.integer(id)]).first.map { try Self.deadLetter($0.map(\.columnText)) }
    }

    /// A row of ``deadLetterColumns``, each column as text; shared with ``PostgresStateStore``.
    static func deadLetter(_ row: [String?]) throws -> DeadLetter {
        var letter = DeadLetter(id: row[0].flatMap { Int($0) } ?? 0, pipeline: row[1] ?? "", runID: row[2] ?? "", step: row[3] ?? "",
                                origin: row[4] ?? "", reason: row[5] ?? "", pointer: row[6], rule: row[7],
                                payload: try JSONReader.parse(row[8] ?? "null"), createdAt: row[9] ?? "",
                                status: row[10] ?? "pending", replayRunID: row[11])
        if let fields = row[12] { letter.sourceFields = SourceFields(value: try JSONReader.parse(fields)) }
        return letter
    }

    private func markAbortedRows(runID: String) throws {
        // A retry aborted the same way finds the same failures: they are kept once.
        try db.prepare("""
            DELETE FROM huiliu_dead_letters WHERE run_id = ? AND status = 'pending' AND EXISTS (
                SELECT 1 FROM huiliu_dead_letters AS earlier WHERE earlier.status = 'aborted'
                AND earlier.pipeline = huiliu_dead_letters.pipeline AND earlier.step = huiliu_dead_letters.step
                AND earlier.origin = huiliu_dead_letters.origin AND earlier.payload = huiliu_dead_letters.payload)
            """).run([.text(runID)])
        try db.prepare("UPDATE huiliu_dead_letters SET status = 'aborted' WHERE run_id = ? AND status = 'pending'").run([.text(runID)])
        // What the run delivered is rolled back: the letters it superseded wait again.
        try db.prepare("UPDATE huiliu_dead_letters SET status = 'pending', replay_run_id = NULL WHERE status = 'superseded' AND replay_run_id = ?")
            .run([.text(runID)])
    }

    func discardDeadLetters(ids: [Int]) throws -> [Int] {
        try changeStatus(ids, "UPDATE huiliu_dead_letters SET status = 'discarded' WHERE id = ? AND status = 'pending'")
    }

    /// Runs `update` (one `?`, the id) for each of `ids`; returns the ids whose row it changed.
    private func changeStatus(_ ids: [Int], _ update: String) throws -> [Int] {
        // One row changed is one letter changed, and each once (a repeated id finds it changed
        // already). Not UPDATE … RETURNING: SQLite before 3.35 lacks it.
        try db.transaction {
            let statement = try db.prepare(update)
            return try ids.filter { id in
                try statement.run([.integer(id)])
                return db.changes > 0
            }
        }
    }

    func reopenDeadLetters(ids: [Int]) throws -> [Int] {
        try changeStatus(ids, "UPDATE huiliu_dead_letters SET status = 'pending', replay_run_id = NULL WHERE id = ? AND status IN ('superseded', 'discarded')")
    }

    func markReplayed(ids: [Int], runID: String) throws {
        try db.transaction { try markReplayedRows(ids: ids, runID: runID) }
    }

    func refreshDeadLetters(_ letters: [DeadLetter]) throws {
        guard !letters.isEmpty else { return }
        try db.transaction {
            let update = try db.cached("UPDATE huiliu_dead_letters SET step = ?, reason = ?, pointer = ?, rule = ? WHERE id = ? AND status = 'pending'")
            for letter in letters {
                try update.run([.text(letter.step), .text(letter.reason), letter.pointer.map { .text($0) } ?? .null,
                                letter.rule.map { .text($0) } ?? .null, .integer(letter.id)])
            }
        }
    }

    private func markReplayedRows(ids: [Int], runID: String) throws {
        guard !ids.isEmpty else { return }
        let update = try db.cached("UPDATE huiliu_dead_letters SET status = 'replayed', replay_run_id = ? WHERE id = ?")
        for id in ids { try update.run([.text(runID), .integer(id)]) }
    }
}
