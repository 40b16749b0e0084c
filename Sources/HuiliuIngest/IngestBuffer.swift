import Foundation
import HuiliuCore
import HuiliuStore

/// The push endpoint's durable buffer: one SQLite file (WAL, `synchronous=FULL`) holding every
/// accepted record in arrival order, per channel, committed before the request is answered —
/// so nothing a client saw accepted is lost in a crash. The `webhook` source reads a channel
/// after the last sequence it delivered.
///
/// A request with an `Idempotency-Key` is remembered (per channel) with what it stored, so a
/// client that retries after a lost answer gets the first answer again and stores nothing twice.
///
/// Not thread-safe: the listener's writing queue owns the writing instance; readers open their own.
public final class IngestBuffer {
    /// The database file.
    public let path: String
    let db: SQLiteDatabase

    /// The records and idempotency keys. The readers of each channel are kept in
    /// `ingest_consumers`, made where they are recorded (``SQLiteDatabase/releasedRecords(readers:channel:pipeline:deliveredThrough:retention:now:)``).
    static let schema = """
        CREATE TABLE IF NOT EXISTS ingest_records (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL, received_at_ms INTEGER NOT NULL, request TEXT NOT NULL, record TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ingest_records_channel ON ingest_records(channel, sequence);
        CREATE TABLE IF NOT EXISTS ingest_requests (
            channel TEXT NOT NULL, idempotency_key TEXT NOT NULL, received_at_ms INTEGER NOT NULL, request TEXT NOT NULL,
            first_sequence INTEGER, last_sequence INTEGER, records INTEGER NOT NULL, body_sha256 TEXT NOT NULL,
            PRIMARY KEY (channel, idempotency_key));
        """

    /// This buffer's identity, made when the file was.
    public let id: String

    /// Opens (creating if needed) the buffer at `path`, and its directory: the listener's side.
    public init(path: String) throws {
        self.path = path
        let db = try SQLiteDatabase.creatingDirectory(of: path)
        // Read first: every open after the first needs no write lock, which the listener may hold.
        let made = try db.prepare("""
            SELECT count(*) FROM sqlite_master WHERE name IN ('ingest_records', 'ingest_requests')
            """).rows().first?.first?.integer ?? 0
        if made < 2 { try db.transaction { try db.execute(Self.schema) } }
        id = try db.identity(in: "ingest_buffer")
        self.db = db
    }

    /// Opens the buffer at `path`, which the listener made: the reading side, which must not
    /// quietly read an empty file of its own where the listener writes elsewhere.
    public convenience init(existing path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("""
                no push buffer at \(path): the push endpoint (listeners.webhook in config/huiliu.yaml, run by huiliu serve) \
                makes it when it starts; the source's 'buffer' and the listener's must name the same file
                """)
        }
        try self.init(path: path)
    }

    /// What storing one request did.
    public struct Stored: Sendable, Equatable {
        /// The request it was stored under (the first one's, for a repeated idempotency key).
        public var request: String
        /// How many records it holds.
        public var records: Int
        /// The sequence numbers of its first and last record; `nil` when it held none.
        public var sequences: ClosedRange<Int>?
        /// True when the idempotency key was seen before and nothing was stored now.
        public var repeated: Bool
    }

    /// A key used again with another body: a client's mistake that must not drop the new body.
    public struct KeyReused: Error, CustomStringConvertible {
        public var description: String {
            "this Idempotency-Key was used before with another body; nothing was stored (send new data under a new key)"
        }
    }

    /// One request's records, to be stored.
    public struct Push: Sendable {
        public var records: [IngestedRecord]
        public var channel: String
        public var request: String
        public var idempotencyKey: String?
        /// What a repeated key must come with again (the body's digest).
        public var bodyDigest: String
        public var receivedAt: Int64

        /// A push.
        public init(records: [IngestedRecord], channel: String, request: String, idempotencyKey: String?, bodyDigest: String = "",
                    receivedAt: Int64) {
            self.records = records
            self.channel = channel
            self.request = request
            self.idempotencyKey = idempotencyKey
            self.bodyDigest = bodyDigest
            self.receivedAt = receivedAt
        }
    }

    /// Stores `records` of one request in one transaction, or — when `idempotencyKey` was
    /// already used on `channel` with the same body (`bodyDigest`) — nothing, returning what
    /// the first request stored.
    /// - Throws: ``KeyReused`` when the key was used with another body.
    public func store(_ records: [IngestedRecord], channel: String, request: String, idempotencyKey: String?,
                      bodyDigest: String = "", receivedAt: Int64) throws -> Stored {
        let push = Push(records: records, channel: channel, request: request, idempotencyKey: idempotencyKey, bodyDigest: bodyDigest,
                        receivedAt: receivedAt)
        return try store([push])[0].get()
    }

    /// Stores several requests in one transaction (a group commit: one sync for all of them),
    /// each as ``store(_:channel:request:idempotencyKey:bodyDigest:receivedAt:)`` would; a
    /// reused key fails only its own request.
    /// - Throws: the store's error, which fails every request of the group (nothing is kept).
    public func store(_ pushes: [Push]) throws -> [Result<Stored, KeyReused>] {
        try db.transaction {
            try pushes.map { push in
                do {
                    return .success(try store(push))
                } catch let reused as KeyReused {
                    return .failure(reused)
                }
            }
        }
    }

    /// One request, inside the group's transaction.
    private func store(_ push: Push) throws -> Stored {
        let (records, channel, request, idempotencyKey, bodyDigest, receivedAt) =
            (push.records, push.channel, push.request, push.idempotencyKey, push.bodyDigest, push.receivedAt)
        if let idempotencyKey, let earlier = try db.cached("""
            SELECT request, records, first_sequence, last_sequence, body_sha256 FROM ingest_requests
            WHERE channel = ? AND idempotency_key = ?
            """).rows([.text(channel), .text(idempotencyKey)]).first {
            guard earlier[4].text == bodyDigest else { throw KeyReused() }
            let range = earlier[2].integer.flatMap { first in earlier[3].integer.map { first...$0 } }
            return Stored(request: earlier[0].text ?? "", records: earlier[1].integer ?? 0, sequences: range, repeated: true)
        }
        let insert = try db.cached("INSERT INTO ingest_records (channel, received_at_ms, request, record) VALUES (?, ?, ?, ?)")
        var first: Int?, last: Int?
        for record in records {
            try insert.run([.text(channel), .integer(Int(receivedAt)), .text(request), .text(record.stored.jsonText)])
            first = first ?? db.lastInsertRowID
            last = db.lastInsertRowID
        }
        if let idempotencyKey {
            try db.cached("""
                INSERT INTO ingest_requests (channel, idempotency_key, received_at_ms, request, first_sequence, last_sequence, records,
                                             body_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).run([.text(channel), .text(idempotencyKey), .integer(Int(receivedAt)), .text(request),
                          first.map { .integer($0) } ?? .null, last.map { .integer($0) } ?? .null, .integer(records.count),
                          .text(bodyDigest)])
        }
        return Stored(request: request, records: records.count, sequences: first.flatMap { f in last.map { f...$0 } }, repeated: false)
    }

    /// A stored record.
    public struct Entry: Sendable, Equatable {
        /// Its place in the buffer.
        public var sequence: Int
        /// When its request was received, in milliseconds since 1970.
        public var receivedAt: Int64
        /// The request it came in.
        public var request: String
        /// The record; `nil` when its stored text no longer reads as JSON.
        public var record: IngestedRecord?
        /// The stored text.
        public var text: String
    }

    /// Up to `limit` records of `channel` after `sequence`, oldest first.
    public func records(channel: String, after sequence: Int, limit: Int) throws -> [Entry] {
        try db.cached("""
            SELECT sequence, received_at_ms, request, record FROM ingest_records WHERE channel = ? AND sequence > ? ORDER BY sequence LIMIT ?
            """).rows([.text(channel), .integer(sequence), .integer(limit)]).map { row in
            let text = row[3].text ?? ""
            // Stored records wrap what was pushed one level deeper (`{"data": …}`): a body nested
            // as deep as the endpoint takes must read back.
            var reader = JSONReader(depthLimit: JSONReader.maximumDepth + 1)
            let record = Array(text.utf8).withUnsafeBytes { try? reader.parse($0) }
            return Entry(sequence: row[0].integer ?? 0, receivedAt: Int64(row[1].integer ?? 0), request: row[2].text ?? "",
                         record: record.map(IngestedRecord.init(stored:)), text: text)
        }
    }

    /// Records that `pipeline`, which keeps records for `retention` milliseconds, has delivered
    /// `channel` through `sequence` (at `now`), then deletes what no pipeline reading the channel
    /// still needs (``SQLiteDatabase/releasedRecords(readers:channel:pipeline:deliveredThrough:retention:now:)``),
    /// and the idempotency keys of requests all of whose records are gone — in transactions of
    /// `chunk` rows, so pushes get the file in between.
    /// - Returns: how many records were deleted.
    @discardableResult
    public func prune(channel: String, pipeline: String, deliveredThrough sequence: Int, retention: Int64, now: Int64,
                      chunk: Int = 5000) throws -> Int {
        guard let (through, cutoff) = try db.releasedRecords(readers: "ingest_consumers", channel: channel, pipeline: pipeline,
                                                             deliveredThrough: sequence, retention: retention, now: now) else { return 0 }
        let delete = try db.prepare("""
            DELETE FROM ingest_records WHERE sequence IN (
                SELECT sequence FROM ingest_records WHERE channel = ? AND sequence <= ? AND received_at_ms < ? ORDER BY sequence LIMIT ?)
            """)
        var deleted = 0
        while true {
            try delete.run([.text(channel), .integer(through), .integer(Int(cutoff)), .integer(chunk)])
            deleted += db.changes
            if db.changes < chunk { break }
        }
        // A key is remembered as long as any record of its request: a retry then is still a repeat.
        let oldest = try db.prepare("SELECT min(sequence) FROM ingest_records WHERE channel = ?").rows([.text(channel)]).first?[0].integer
        try db.prepare("""
            DELETE FROM ingest_requests WHERE channel = ? AND received_at_ms < ? AND (last_sequence IS NULL OR last_sequence < ?)
            """).run([.text(channel), .integer(Int(cutoff)), .integer(oldest ?? Int.max)])
        return deleted
    }

    /// Makes `pipeline` a reader of `channel` before its first run, if it is not one yet.
    public func register(channel: String, pipeline: String, retention: Int64, now: Int64) throws {
        try db.registerReader(readers: "ingest_consumers", channel: channel, pipeline: pipeline, retention: retention, now: now)
    }

    /// The highest sequence number ever given (also of records since deleted).
    public func lastSequence() throws -> Int {
        try db.lastSequenceGiven(in: "ingest_records")
    }

    /// How many records of `channel` there are after `sequence`: what its source has yet to read.
    public func pending(channel: String, after sequence: Int) throws -> Int {
        try db.cached("SELECT count(*) FROM ingest_records WHERE channel = ? AND sequence > ?")
            .rows([.text(channel), .integer(sequence)]).first?.first?.integer ?? 0
    }
}

@available(*, unavailable)
extension IngestBuffer: Sendable {}
