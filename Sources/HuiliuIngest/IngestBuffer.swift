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

    static let schema = """
        CREATE TABLE IF NOT EXISTS ingest_records (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL, received_at_ms INTEGER NOT NULL, request TEXT NOT NULL, record TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ingest_records_channel ON ingest_records(channel, sequence);
        CREATE TABLE IF NOT EXISTS ingest_requests (
            channel TEXT NOT NULL, idempotency_key TEXT NOT NULL, received_at_ms INTEGER NOT NULL, request TEXT NOT NULL,
            first_sequence INTEGER, last_sequence INTEGER, records INTEGER NOT NULL,
            PRIMARY KEY (channel, idempotency_key));
        """

    /// Opens (creating if needed) the buffer at `path`, and its directory.
    public init(path: String) throws {
        self.path = path
        db = try SQLiteDatabase.creatingDirectory(of: path)
        try db.execute(Self.schema)
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

    /// Stores `records` of one request in one transaction, or — when `idempotencyKey` was
    /// already used on `channel` — nothing, returning what the first request stored.
    public func store(_ records: [IngestedRecord], channel: String, request: String, idempotencyKey: String?,
                      receivedAt: Int64) throws -> Stored {
        try db.transaction {
            if let idempotencyKey, let earlier = try db.prepare("""
                SELECT request, records, first_sequence, last_sequence FROM ingest_requests WHERE channel = ? AND idempotency_key = ?
                """).rows([.text(channel), .text(idempotencyKey)]).first {
                let range = earlier[2].integer.flatMap { first in earlier[3].integer.map { first...$0 } }
                return Stored(request: earlier[0].text ?? "", records: earlier[1].integer ?? 0, sequences: range, repeated: true)
            }
            let insert = try db.prepare("INSERT INTO ingest_records (channel, received_at_ms, request, record) VALUES (?, ?, ?, ?)")
            var first: Int?, last: Int?
            for record in records {
                try insert.run([.text(channel), .integer(Int(receivedAt)), .text(request), .text(record.stored.jsonText)])
                first = first ?? db.lastInsertRowID
                last = db.lastInsertRowID
            }
            if let idempotencyKey {
                try db.prepare("""
                    INSERT INTO ingest_requests (channel, idempotency_key, received_at_ms, request, first_sequence, last_sequence, records)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).run([.text(channel), .text(idempotencyKey), .integer(Int(receivedAt)), .text(request),
                              first.map { .integer($0) } ?? .null, last.map { .integer($0) } ?? .null, .integer(records.count)])
            }
            return Stored(request: request, records: records.count, sequences: first.flatMap { f in last.map { f...$0 } }, repeated: false)
        }
    }

    /// A stored record.
    public struct Entry: Sendable, Equatable {
        /// Its place in the buffer.
        public var sequence: Int
        /// When its request was received, in milliseconds since 1970.
        public var receivedAt: Int64
        /// The request it came in.
        public var request: String
        /// The record.
        public var record: IngestedRecord
    }

    /// Up to `limit` records of `channel` after `sequence`, oldest first.
    public func records(channel: String, after sequence: Int, limit: Int) throws -> [Entry] {
        try db.prepare("""
            SELECT sequence, received_at_ms, request, record FROM ingest_records WHERE channel = ? AND sequence > ? ORDER BY sequence LIMIT ?
            """).rows([.text(channel), .integer(sequence), .integer(limit)]).map { row in
            let text = row[3].text ?? "null"
            return Entry(sequence: row[0].integer ?? 0, receivedAt: Int64(row[1].integer ?? 0), request: row[2].text ?? "",
                         record: IngestedRecord(stored: (try? JSONReader.parse(text)) ?? .null))
        }
    }

    /// Deletes the records of `channel` a reader delivered (sequence up to `sequence`) that
    /// arrived before `cutoff` (milliseconds since 1970), and idempotency keys older than it.
    /// - Returns: how many records were deleted.
    @discardableResult
    public func prune(channel: String, deliveredThrough sequence: Int, receivedBefore cutoff: Int64) throws -> Int {
        try db.transaction {
            try db.prepare("DELETE FROM ingest_records WHERE channel = ? AND sequence <= ? AND received_at_ms < ?")
                .run([.text(channel), .integer(sequence), .integer(Int(cutoff))])
            let deleted = db.changes
            try db.prepare("DELETE FROM ingest_requests WHERE channel = ? AND received_at_ms < ?").run([.text(channel), .integer(Int(cutoff))])
            return deleted
        }
    }

    /// How many records of `channel` there are after `sequence`: what its source has yet to read.
    public func pending(channel: String, after sequence: Int) throws -> Int {
        try db.prepare("SELECT count(*) FROM ingest_records WHERE channel = ? AND sequence > ?")
            .rows([.text(channel), .integer(sequence)]).first?.first?.integer ?? 0
    }
}

@available(*, unavailable)
extension IngestBuffer: Sendable {}
