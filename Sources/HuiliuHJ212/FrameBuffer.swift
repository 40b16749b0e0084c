import Foundation
public import HuiliuEnvironment
import HuiliuStore

/// The listener's durable local buffer: one SQLite file (WAL, `synchronous=FULL`) holding every
/// accepted upload in arrival order, so nothing a device saw acknowledged is lost in a crash.
///
/// Each committed frame gets a monotonic `sequence`; the `hj212` source reads after the last
/// sequence it delivered. A retransmission (same `MN`, `CN` and `QN` — or `DataTime` for 2005
/// frames without `QN`) is recognised by a unique index and stored once.
///
/// Not thread-safe: the ``GroupCommitter`` thread owns the writing instance; readers open their own.
public final class FrameBuffer {
    /// The database file.
    public let path: String
    let db: SQLiteDatabase
    private var insertFrame: SQLiteStatement?
    private var insertPart: SQLiteStatement?
    private var frameExists: SQLiteStatement?
    private var partCount: SQLiteStatement?
    private var partRows: SQLiteStatement?
    private var deleteParts: SQLiteStatement?

    static let schema = """
        CREATE TABLE IF NOT EXISTS hj212_frames (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            received_at_ms INTEGER NOT NULL, peer TEXT NOT NULL,
            mn TEXT NOT NULL, cn TEXT NOT NULL, st TEXT NOT NULL, qn TEXT, edition TEXT NOT NULL,
            data_time TEXT, dedupe_key TEXT, raw TEXT NOT NULL,
            records TEXT NOT NULL, record_count INTEGER NOT NULL, note TEXT,
            packets INTEGER NOT NULL DEFAULT 1);
        CREATE UNIQUE INDEX IF NOT EXISTS hj212_frames_dedupe ON hj212_frames(mn, cn, dedupe_key);
        CREATE TABLE IF NOT EXISTS hj212_packets (
            mn TEXT NOT NULL, cn TEXT NOT NULL, dedupe_key TEXT NOT NULL, pno INTEGER NOT NULL, pnum INTEGER NOT NULL,
            received_at_ms INTEGER NOT NULL, peer TEXT NOT NULL, raw TEXT NOT NULL,
            PRIMARY KEY (mn, cn, dedupe_key, pno));
        """

    /// Opens (creating if needed) the buffer at `path`, and its directory.
    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.path = path
        db = try SQLiteDatabase(path: path)
        // A large page cache keeps the dedupe index in memory (no page reads per insert), and
        // checkpoints are left to ``checkpoint()`` so a commit never waits for one.
        try db.execute("PRAGMA cache_size=-131072; PRAGMA wal_autocheckpoint=0;")
        try db.execute(Self.schema)
    }

    /// Copies committed pages from the write-ahead log into the database file without
    /// blocking writers (`PASSIVE`), or — when `truncate` — waits for that and empties the log.
    /// The listener's checkpoint thread calls it on its own connection.
    public func checkpoint(truncate: Bool = false) throws {
        try db.execute(truncate ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// What storing one frame did.
    public enum Outcome: Sendable, Equatable {
        /// Stored under this sequence number.
        case stored(sequence: Int)
        /// Already stored: a retransmission after a lost acknowledgement.
        case duplicate
        /// One packet of a split upload kept; the upload is stored when its last packet arrives.
        case packetKept(number: Int, of: Int)
    }

    /// Stores `frames` in one transaction (a group commit) and returns what happened to each,
    /// in order. Returns only after the transaction is on disk.
    /// - Parameter stations: for normalizing a split upload once its last packet arrives.
    public func store(_ frames: [BufferedFrame], stations: StationRegistry = StationRegistry()) throws -> [Outcome] {
        try db.transaction {
            var outcomes: [Outcome] = []
            outcomes.reserveCapacity(frames.count)
            for frame in frames {
                if let packet = frame.packet {
                    outcomes.append(try storePacket(frame, packet, stations: stations))
                } else {
                    outcomes.append(try insert(frame, packets: 1))
                }
            }
            return outcomes
        }
    }

    private func insert(_ frame: BufferedFrame, packets: Int) throws -> Outcome {
        if insertFrame == nil {
            insertFrame = try db.prepare("""
                INSERT INTO hj212_frames (received_at_ms, peer, mn, cn, st, qn, edition, data_time, dedupe_key, raw,
                    records, record_count, note, packets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
        }
        try insertFrame!.run([
            .integer(Int(frame.receivedAt)), .text(frame.peer), .text(frame.mn), .text(frame.cn), .text(frame.st),
            frame.qn.map { .text($0) } ?? .null, .text(frame.edition), frame.dataTime.map { .text($0) } ?? .null,
            frame.dedupeKey.map { .text($0) } ?? .null, .text(frame.raw), .text(frame.records),
            .integer(frame.recordCount), frame.note.map { .text($0) } ?? .null, .integer(packets),
        ])
        return db.changes == 0 ? .duplicate : .stored(sequence: db.lastInsertRowID)
    }

    private func storePacket(_ frame: BufferedFrame, _ packet: BufferedFrame.Packet, stations: StationRegistry) throws -> Outcome {
        let key = frame.dedupeKey ?? ""
        if frameExists == nil {
            frameExists = try db.prepare("SELECT 1 FROM hj212_frames WHERE mn = ? AND cn = ? AND dedupe_key = ?")
            insertPart = try db.prepare("""
                INSERT INTO hj212_packets (mn, cn, dedupe_key, pno, pnum, received_at_ms, peer, raw)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
            partCount = try db.prepare("SELECT count(*) FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ?")
            partRows = try db.prepare("SELECT raw FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ? ORDER BY pno")
            deleteParts = try db.prepare("DELETE FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ?")
        }
        let id: [SQLiteValue] = [.text(frame.mn), .text(frame.cn), .text(key)]
        // The whole upload is already stored: this is a retransmitted packet.
        if !(try frameExists!.rows(id)).isEmpty { return .duplicate }
        try insertPart!.run(id + [.integer(packet.number), .integer(packet.count), .integer(Int(frame.receivedAt)),
                                  .text(frame.peer), .text(frame.raw)])
        let inserted = db.changes > 0
        let have = try partCount!.rows(id).first?.first?.integer ?? 0
        guard have >= packet.count else {
            return inserted ? .packetKept(number: packet.number, of: packet.count) : .duplicate
        }
        let raws = try partRows!.rows(id).compactMap { $0.first?.text }
        let decoder = HJ212.FrameDecoder()
        let packets = raws.compactMap { raw -> HJ212.Frame? in
            if case .frame(let decoded, _) = decoder.decode(Array(raw.utf8), atEnd: true) { return decoded }
            return nil
        }
        var whole = frame
        let encoded = FrameRecords.encode(PacketAssembly.merge(packets), station: stations[frame.mn])
        whole.raw = raws.joined()
        whole.records = encoded.json
        whole.recordCount = encoded.count
        whole.note = encoded.note
        whole.dataTime = packets.lazy.compactMap(\.dataTime).first?.rfc3339
        let outcome = try insert(whole, packets: packet.count)
        try deleteParts!.run(id)
        return outcome
    }

    /// Up to `limit` stored frames after `sequence`, oldest first.
    public func frames(after sequence: Int, limit: Int) throws -> [StoredFrame] {
        let statement = try db.prepare("""
            SELECT sequence, received_at_ms, peer, mn, cn, st, qn, edition, data_time, raw, records, record_count, note, packets
            FROM hj212_frames WHERE sequence > ? ORDER BY sequence LIMIT ?
            """)
        return try statement.rows([.integer(sequence), .integer(limit)]).map(StoredFrame.init(row:))
    }

    /// The highest sequence stored, 0 when empty.
    public func lastSequence() throws -> Int {
        try db.prepare("SELECT coalesce(max(sequence), 0) FROM hj212_frames").rows().first?.first?.integer ?? 0
    }

    /// How many frames are stored.
    public func count() throws -> Int {
        try db.prepare("SELECT count(*) FROM hj212_frames").rows().first?.first?.integer ?? 0
    }

    /// How many packets of incomplete split uploads are waiting for the rest.
    public func pendingPacketCount() throws -> Int {
        try db.prepare("SELECT count(*) FROM hj212_packets").rows().first?.first?.integer ?? 0
    }
}

@available(*, unavailable)
extension FrameBuffer: Sendable {}

/// A frame read back from the buffer.
public struct StoredFrame: Sendable, Equatable {
    /// Its place in arrival order, from 1.
    public var sequence: Int
    /// Arrival time, milliseconds since 1970.
    public var receivedAt: Int64
    /// The sender's address.
    public var peer: String
    /// Device id.
    public var mn: String
    /// Command code.
    public var cn: String
    /// System code.
    public var st: String
    /// Request id.
    public var qn: String?
    /// The edition.
    public var edition: String
    /// `DataTime`, RFC 3339.
    public var dataTime: String?
    /// The frame text as received.
    public var raw: String
    /// The normalized records as JSON (see ``FrameRecords``).
    public var records: String
    /// How many records.
    public var recordCount: Int
    /// Why there are no records, if there are none.
    public var note: String?
    /// How many packets the upload came in.
    public var packets: Int

    init(row: [SQLiteValue]) {
        sequence = row[0].integer ?? 0
        receivedAt = Int64(row[1].integer ?? 0)
        peer = row[2].text ?? ""
        mn = row[3].text ?? ""
        cn = row[4].text ?? ""
        st = row[5].text ?? ""
        qn = row[6].text
        edition = row[7].text ?? ""
        dataTime = row[8].text
        raw = row[9].text ?? ""
        records = row[10].text ?? ""
        recordCount = row[11].integer ?? 0
        note = row[12].text
        packets = row[13].integer ?? 1
    }
}
