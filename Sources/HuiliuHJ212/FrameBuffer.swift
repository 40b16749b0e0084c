import Foundation
public import HuiliuEnvironment
import HuiliuCore
import HuiliuStore

/// The listener's durable local buffer: one SQLite file (WAL, `synchronous=FULL`) holding every
/// accepted upload in arrival order, so nothing a device saw acknowledged is lost in a crash.
///
/// Each committed frame gets a monotonic `sequence`; the `hj212` source reads after the last
/// sequence it delivered. A retransmission (same `MN`, `CN` and `QN` — or `DataTime` for 2005
/// frames without `QN`) is recognised by a unique index and stored once.
///
/// A row holds the frame's bytes and header, not its normalized records: those are derived
/// again on reading, against the station entry the listener used (kept once per distinct
/// entry in `hj212_stations`, without the password). See ``BufferedFrame``.
///
/// Not thread-safe: the ``GroupCommitter`` thread owns the writing instance; readers open their own.
public final class FrameBuffer {
    /// The database file.
    public let path: String
    /// This buffer's identity, made when it was.
    public private(set) var id = ""
    let db: SQLiteDatabase
    private var statements: Statements?
    /// Station entries already in `hj212_stations`, by `MN`, with their row id.
    private var stationRows: [String: (station: StationRegistry.Station, id: Int)] = [:]
    /// Entries added to ``stationRows`` in the open transaction, forgotten if it rolls back.
    private var stationRowsAdded: [String] = []

    /// The layout version, in `PRAGMA user_version`.
    static let layout = 2
    /// The page size of a new file. A group commit writes every page it touched whole, and
    /// with rows of about 450 bytes 8 KiB pages took fewer writes per group than 4 KiB ones
    /// without rewriting much more; larger pages rewrite more than they save.
    static let pageSize = 8192

    static let schema = """
        CREATE TABLE IF NOT EXISTS hj212_frames (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            received_at_ms INTEGER NOT NULL, peer TEXT NOT NULL,
            mn TEXT NOT NULL, cn TEXT NOT NULL, st TEXT NOT NULL, qn TEXT, edition TEXT NOT NULL,
            data_time TEXT, dedupe_key TEXT, raw BLOB NOT NULL, station INTEGER,
            record_count INTEGER NOT NULL, note TEXT, packets INTEGER NOT NULL DEFAULT 1, first_sequence INTEGER);
        -- QN (a timestamp) first: devices send current QNs, so new keys land at the end of the index.
        CREATE UNIQUE INDEX IF NOT EXISTS hj212_frames_dedupe ON hj212_frames(dedupe_key, mn, cn);
        CREATE TABLE IF NOT EXISTS hj212_stations (id INTEGER PRIMARY KEY, entry TEXT NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS hj212_packets (
            mn TEXT NOT NULL, cn TEXT NOT NULL, dedupe_key TEXT NOT NULL, pno INTEGER NOT NULL, pnum INTEGER NOT NULL,
            received_at_ms INTEGER NOT NULL, peer TEXT NOT NULL, raw BLOB NOT NULL,
            PRIMARY KEY (mn, cn, dedupe_key, pno));
        """

    /// Hour frames by station and time, for the AQI's moving averages and daily statistics.
    /// Partial, so the minute and real-time frames that make up most of the traffic cost
    /// nothing more to insert; added to buffers of this layout that predate it when opened.
    static let hourIndex = """
        CREATE INDEX IF NOT EXISTS hj212_frames_hours ON hj212_frames(mn, data_time) WHERE cn = '2061';
        """

    /// Opens (creating if needed) the buffer at `path`, and its directory.
    /// - Throws: `StoreError`, also for a buffer written in an older layout.
    public init(path: String) throws {
        self.path = path
        db = try SQLiteDatabase.creatingDirectory(of: path)
        // New rows and their dedupe keys land at the end of the table and of the index, so a
        // modest page cache holds what inserts touch; with a 128 MiB one, SQLite's page-cache
        // upkeep took a tenth of the commit thread. Checkpoints are left to ``checkpoint()``
        // so a commit never waits for one.
        try db.execute("PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=0;")
        let version = try Self.integer(db, "PRAGMA user_version")
        if version == 0 {
            if try Self.integer(db, "SELECT count(*) FROM sqlite_master WHERE name = 'hj212_frames'") > 0 {
                throw StoreError("""
                    \(path) is an HJ 212 buffer in the first layout (normalized records as JSON); \
                    read it to the end with the previous version, then move it away
                    """)
            }
            if try Self.integer(db, "SELECT count(*) FROM sqlite_master") == 0 {
                // The page size can only change before WAL holds the file; another process
                // creating it at the same moment may win, and the default size is fine then.
                try? db.execute("PRAGMA journal_mode=DELETE; PRAGMA page_size=\(Self.pageSize); VACUUM;")
                try db.execute("PRAGMA journal_mode=WAL")
            }
            try db.transaction {
                try db.execute(Self.schema)
                try db.execute("PRAGMA user_version=\(Self.layout)")
            }
        } else if version != Self.layout {
            throw StoreError("\(path) is an HJ 212 buffer in layout \(version); this version reads layout \(Self.layout)")
        }
        if try Self.integer(db, "SELECT count(*) FROM sqlite_master WHERE name = 'hj212_frames_hours'") == 0 {
            try db.execute(Self.hourIndex)
        }
        // Added with late packets (see supplement); older buffers of this layout get it on open.
        if try Self.integer(db, "SELECT count(*) FROM pragma_table_info('hj212_frames') WHERE name = 'first_sequence'") == 0 {
            try db.execute("ALTER TABLE hj212_frames ADD COLUMN first_sequence INTEGER")
        }
        // The buffer's identity (added to older buffers when opened): see BufferPosition.
        id = try db.identity(in: "hj212_buffer")
        try addDigestsToDedupeKeys()
    }

    /// Whole frames' dedupe keys end in a digest of their bytes (``BufferedFrame/dedupeKey``):
    /// frames stored before that are given theirs, or a device retransmitting one it saw no
    /// answer to before the upgrade would have it stored, and delivered, twice.
    /// Done once per buffer, marked by a table of its own. Incomplete uploads keep their keys
    /// (`QN` alone), by which a late packet finds them.
    private func addDigestsToDedupeKeys() throws {
        guard try Self.integer(db, "SELECT count(*) FROM sqlite_master WHERE name = 'hj212_keys_with_digests'") == 0 else { return }
        try db.transaction {
            let rows = try db.prepare("""
                SELECT sequence, raw FROM hj212_frames WHERE packets <= 1 AND dedupe_key IS NOT NULL AND instr(dedupe_key, ';#') = 0
                    AND (note IS NULL OR note NOT LIKE 'incomplete upload%')
                """).rows()
            let update = try db.prepare("UPDATE hj212_frames SET dedupe_key = dedupe_key || ';#' || ? WHERE sequence = ?")
            for row in rows {
                guard let sequence = row[0].integer, case .blob(let raw) = row[1] else { continue }
                try update.run([.text(BufferedFrame.digest(raw)), .integer(sequence)])
            }
            try db.execute("CREATE TABLE IF NOT EXISTS hj212_keys_with_digests (since_ms INTEGER)")
        }
    }

    private static func integer(_ db: SQLiteDatabase, _ sql: String) throws -> Int {
        try db.prepare(sql).rows().first?.first?.integer ?? 0
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
    public func store(_ frames: [BufferedFrame]) throws -> [Outcome] {
        let statements = try prepared()
        return try transaction {
            var outcomes: [Outcome] = []
            outcomes.reserveCapacity(frames.count)
            // Borrowed in place: copying a frame retains each of its strings, and they were
            // made on another thread, so each retain costs a cache miss.
            try frames.withUnsafeBufferPointer { frames in
                for index in frames.indices {
                    if let packet = frames[index].packet {
                        outcomes.append(try storePacket(frames[index], packet, statements))
                    } else {
                        outcomes.append(try insert(frames[index], packets: 1, statements))
                    }
                }
            }
            return outcomes
        }
    }

    /// Runs `body` in one transaction; station rows it added are forgotten if it rolls back.
    private func transaction<R>(_ body: () throws -> R) throws -> R {
        do {
            let result = try db.transaction(body)
            stationRowsAdded.removeAll(keepingCapacity: true)
            return result
        } catch {
            for mn in stationRowsAdded { stationRows[mn] = nil }
            stationRowsAdded.removeAll()
            throw error
        }
    }

    private func insert(_ frame: BufferedFrame, packets: Int, firstSequence: Int? = nil, _ statements: Statements) throws -> Outcome {
        let station = try frame.station.map { try stationID($0, statements) }
        try statements.insertFrame.run([
            .integer(Int(frame.receivedAt)), .text(frame.peer), .text(frame.mn), .text(frame.cn), .text(frame.st),
            frame.qn.map { .text($0) } ?? .null, .text(frame.edition), frame.dataTime.map { .text($0) } ?? .null,
            frame.dedupeKey.map { .text($0) } ?? .null, .blob(frame.raw), station.map { .integer($0) } ?? .null,
            .integer(frame.recordCount), frame.note.map { .text($0) } ?? .null, .integer(packets),
            firstSequence.map { .integer($0) } ?? .null,
        ])
        return db.changes == 0 ? .duplicate : .stored(sequence: db.lastInsertRowID)
    }

    /// The row of `station` (without its password) in `hj212_stations`, added when new.
    private func stationID(_ station: StationRegistry.Station, _ statements: Statements) throws -> Int {
        if let known = stationRows[station.mn], known.station == station { return known.id }
        let entry = station.value().jsonText
        try statements.insertStation.run([.text(entry)])
        guard let id = try statements.stationID.rows([.text(entry)]).first?.first?.integer else {
            throw StoreError("the station entry of \(station.mn) was not stored")
        }
        stationRows[station.mn] = (station, id)
        stationRowsAdded.append(station.mn)
        return id
    }

    /// Keeps one packet of a split upload; with the last one, stores the whole upload,
    /// normalized against the station of the packet that completed it.
    private func storePacket(_ frame: BufferedFrame, _ packet: BufferedFrame.Packet, _ statements: Statements) throws -> Outcome {
        let id: [SQLiteValue] = [.text(frame.mn), .text(frame.cn), .text(frame.dedupeKey ?? "")]
        var stored = try statements.storedUpload.rows(id).first
        let pending = try statements.partRaw.rows(id + [.integer(packet.number)]).first?.first.flatMap(Self.bytes)
        if pending == frame.raw { return .duplicate }
        // Packets kept for an upload of another size are no part of this one either.
        let otherSize = try statements.partSize.rows(id).first?.first?.integer.map { $0 != packet.count } ?? false
        let storedRaw = stored.flatMap { $0[1] }.flatMap(Self.bytes)
        let storedPackets = storedRaw.map(Self.packets(in:)) ?? []
        let storedPacket = storedPackets.first { $0.frame.pno == packet.number }?.raw
        if pending != nil || otherSize || (storedPacket != nil && storedPacket != frame.raw) {
            // A packet number already there with other bytes: another upload under the same QN
            // (a history answer echoes the request's QN in the upload of every hour, each split),
            // unless it repeats a packet of an earlier one. The uploads before are closed — their
            // keys made their own — and this packet starts the new one.
            if try closedUploadHolds(frame.raw, id, statements) { return .duplicate }
            if let raw = storedRaw, let sequence = stored?[0].integer {
                try statements.closeUpload.run([.text(BufferedFrame.digest(raw)), .integer(sequence)])
            }
            if pending != nil || otherSize { try storeKept(id, station: frame.station, closing: true, statements) }
            stored = nil
        }
        if let stored { return try supplement(stored, holding: storedPackets, with: frame, packet, statements) }
        try statements.insertPart.run(id + [.integer(packet.number), .integer(packet.count), .integer(Int(frame.receivedAt)),
                                            .text(frame.peer), .blob(frame.raw)])
        let inserted = db.changes > 0
        let have = try statements.partCount.rows(id).first?.first?.integer ?? 0
        guard have >= packet.count else {
            return inserted ? .packetKept(number: packet.number, of: packet.count) : .duplicate
        }
        let kept = try keptPackets(id, statements)
        let whole = Self.upload(frame, kept)
        let outcome = try insert(whole, packets: packet.count, statements)
        try statements.deleteParts.run(id)
        return outcome
    }

    /// A packet of an upload that is already stored: a retransmission, or a packet that came
    /// after the upload was stored without it (``storeIncompleteUploads(firstReceivedBefore:stations:)``).
    /// Such a late packet replaces the stored upload by the upload with it, under a new sequence
    /// number, so the source delivers the values it adds; the same events then come again,
    /// now complete, and upserting sinks keep the newer ones. The row keeps the place it was
    /// first stored at (`first_sequence`) for the history other frames see (the AQI's moving
    /// averages and daily report), so moving it leaves no gap there. `storedPackets` are the
    /// stored upload's packets, decoded.
    private func supplement(_ stored: [SQLiteValue], holding storedPackets: [(raw: [UInt8], frame: HJ212.Frame)], with frame: BufferedFrame,
                            _ packet: BufferedFrame.Packet, _ statements: Statements) throws -> Outcome {
        guard let sequence = stored[0].integer, Self.bytes(stored[1]) != nil, (stored[2].integer ?? 1) < packet.count,
              let firstSequence = stored[3].integer,
              case .frame(let late, _) = HJ212.FrameDecoder(configuration: FrameRecords.decoderConfiguration).decode(frame.raw, atEnd: true)
        else { return .duplicate }
        var packets = storedPackets
        guard !packets.contains(where: { $0.frame.pno == packet.number }) else { return .duplicate }
        packets.append((frame.raw, late))
        packets.sort { ($0.frame.pno ?? 0) < ($1.frame.pno ?? 0) }
        var whole = Self.upload(frame, (rows: [], raw: Array(packets.map(\.raw).joined()), frames: packets.map(\.frame)))
        if let gap = Self.gap(present: Set(packets.compactMap(\.frame.pno)), of: packet.count) {
            whole.note = whole.note.map { gap + "; " + $0 } ?? gap
        }
        try statements.deleteFrame.run([.integer(sequence)])
        return try insert(whole, packets: packets.count, firstSequence: firstSequence, statements)
    }

    /// The packets stored one after another in `raw`, with their bytes.
    private static func packets(in raw: [UInt8]) -> [(raw: [UInt8], frame: HJ212.Frame)] {
        let decoded = HJ212.FrameDecoder(configuration: FrameRecords.decoderConfiguration).decodeAll(raw)
        return decoded.enumerated().compactMap { index, item in
            guard case .success(let frame) = item.result else { return nil }
            let end = index + 1 < decoded.count ? decoded[index + 1].offset : raw.count
            return (Array(raw[item.offset..<end]), frame)
        }
    }

    /// The note of an upload stored without some of its `count` packets.
    private static func gap(present: Set<Int>, of count: Int) -> String? {
        let missing = (1...max(count, 1)).filter { !present.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "incomplete upload: packet\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) of \(count) never came"
    }

    /// The kept packets of one split upload, by packet number: their rows (raw, pno, pnum,
    /// received_at_ms, peer), their bytes joined, and the frames they decode to.
    private func keptPackets(_ id: [SQLiteValue], _ statements: Statements) throws
        -> (rows: [[SQLiteValue]], raw: [UInt8], frames: [HJ212.Frame]) {
        let rows = try statements.partRows.rows(id)
        let raws = rows.compactMap { $0.first.flatMap(Self.bytes) }
        let decoder = HJ212.FrameDecoder(configuration: FrameRecords.decoderConfiguration)
        let frames = raws.compactMap { raw -> HJ212.Frame? in
            if case .frame(let decoded, _) = decoder.decode(raw, atEnd: true) { return decoded }
            return nil
        }
        return (rows, Array(raws.joined()), frames)
    }

    /// `frame` as the row of the whole upload `kept`: its bytes, and its packets merged and
    /// normalized against the frame's station.
    private static func upload(_ frame: BufferedFrame, _ kept: (rows: [[SQLiteValue]], raw: [UInt8], frames: [HJ212.Frame]))
        -> BufferedFrame {
        var whole = frame
        let summary = FrameRecords.normalize(PacketAssembly.merge(kept.frames), station: frame.station)
        whole.raw = kept.raw
        whole.recordCount = summary.measurements.count
        whole.note = summary.note
        whole.dataTime = kept.frames.lazy.compactMap(\.dataTime).first?.rfc3339
        return whole
    }

    /// Stores, with the packets that came, every split upload whose first packet was received
    /// before `cutoff` (milliseconds since the epoch) and whose other packets never arrived,
    /// normalized against its entry in `stations`; its note names the missing packets.
    /// - Returns: how many uploads were stored.
    public func storeIncompleteUploads(firstReceivedBefore cutoff: Int64, stations: StationRegistry) throws -> Int {
        let expired = try db.prepare("""
            SELECT mn, cn, dedupe_key FROM hj212_packets GROUP BY mn, cn, dedupe_key HAVING min(received_at_ms) < ?
            """).rows([.integer(Int(cutoff))])
        guard !expired.isEmpty else { return 0 }
        let statements = try prepared()
        return try transaction {
            var stored = 0
            for id in expired {
                guard let mn = id[0].text else { continue }
                if try storeKept(Array(id.prefix(3)), station: stations[mn], statements) { stored += 1 }
            }
            return stored
        }
    }

    /// Stores the packets kept under `key` (mn, cn, dedupe key) as one upload, normalized
    /// against `station`, its note naming the packets that never came; `closing`, under a key of
    /// its own, as another upload takes the key. False if there were none.
    @discardableResult
    private func storeKept(_ key: [SQLiteValue], station: StationRegistry.Station?, closing: Bool = false, _ statements: Statements) throws -> Bool {
        let kept = try keptPackets(key, statements)
        guard let first = kept.frames.first, let last = kept.rows.last else { return false }
        let count = kept.rows.first?[2].integer ?? kept.frames.count
        let present = Set(kept.rows.compactMap { $0[1].integer })
        var whole = BufferedFrame(frame: first, raw: [], station: station, peer: last[4].text ?? "", receivedAt: Int64(last[3].integer ?? 0))
        whole.packet = nil
        whole.dedupeKey = key[2].text
        whole = Self.upload(whole, kept)
        if closing { whole.dedupeKey = whole.dedupeKey.map { $0 + ";#" + BufferedFrame.digest(whole.raw) } }
        if let gap = Self.gap(present: present, of: count) {
            whole.note = whole.note.map { gap + "; " + $0 } ?? gap
        }
        _ = try insert(whole, packets: kept.frames.count, statements)
        try statements.deleteParts.run(key)
        return true
    }

    /// Whether an upload closed under `key` (mn, cn, QN) — one another upload reusing the QN
    /// took it from — holds `packet`'s bytes: searched by SQLite, not decoded (a month's history
    /// answer closes seven hundred).
    private func closedUploadHolds(_ packet: [UInt8], _ key: [SQLiteValue], _ statements: Statements) throws -> Bool {
        guard let qn = key[2].text else { return false }
        return try !statements.closedUploads.rows([key[0], key[1], .text(qn + ";#"), .text(qn + ";$"), .blob(packet)]).isEmpty
    }

    /// Up to `limit` stored frames after `sequence`, oldest first.
    public func frames(after sequence: Int, limit: Int) throws -> [StoredFrame] {
        try storedFrames(where: "sequence > ? ORDER BY sequence LIMIT ?", [.integer(sequence), .integer(limit)])
    }

    /// A station's hour frames (`CN=2061`) whose `DataTime` is at or after `first` and before
    /// `end` (RFC 3339 as stored; whole-hour bounds compare right against times with
    /// milliseconds), among those stored before `sequence`, in time order. Bounding the
    /// sequence makes a rerun of the same frames see the same history.
    /// With `readable`, `sequence` is the reading frame's own (where it was read, moved there by
    /// a late packet or not), which is left out.
    public func hourFrames(mn: String, from first: String, before end: String, storedBefore sequence: Int,
                           readable: Bool = false) throws -> [StoredFrame] {
        try storedFrames(where: Self.hourFramesCondition(readable) + " ORDER BY data_time, sequence",
                         [.text(mn), .text(first), .text(end), .integer(sequence)] + (readable ? [.integer(sequence)] : []))
    }

    /// How many such hour frames there are.
    public func hourFrameCount(mn: String, from first: String, before end: String, storedBefore sequence: Int,
                               readable: Bool = false) throws -> Int {
        try db.prepare("SELECT count(*) FROM hj212_frames WHERE " + Self.hourFramesCondition(readable))
            .rows([.text(mn), .text(first), .text(end), .integer(sequence)] + (readable ? [.integer(sequence)] : [])).first?.first?.integer ?? 0
    }

    /// The condition of ``hourFrames(mn:from:before:storedBefore:readable:)``, literal `cn`
    /// included so SQLite uses the partial index. A row moved by a late packet counts where it
    /// was first stored (it could be read from there on); `readable`, the bound is the frame's
    /// own sequence, where it was read, and the frame itself is left out.
    private static func hourFramesCondition(_ readable: Bool) -> String {
        "cn = '2061' AND mn = ? AND data_time >= ? AND data_time < ? AND coalesce(first_sequence, sequence) < ?"
            + (readable ? " AND sequence <> ?" : "")
    }

    /// Stored frames matching `condition` (which may end in ORDER BY and LIMIT).
    private func storedFrames(where condition: String, _ arguments: [SQLiteValue]) throws -> [StoredFrame] {
        try storedFrames(db.prepare("""
            SELECT sequence, received_at_ms, peer, mn, cn, st, qn, edition, data_time, raw, record_count, note, packets,
                   hj212_stations.entry, coalesce(first_sequence, sequence)
            FROM hj212_frames LEFT JOIN hj212_stations ON hj212_stations.id = hj212_frames.station
            WHERE \(condition)
            """).rows(arguments))
    }

    private func storedFrames(_ rows: [[SQLiteValue]]) throws -> [StoredFrame] {
        var entries: [String: StationRegistry.Station] = [:]
        return try rows.map { row in
            var station: StationRegistry.Station?
            if let entry = row[13].text {
                if entries[entry] == nil { entries[entry] = try Self.station(entry) }
                station = entries[entry]
            }
            return StoredFrame(row: row, station: station)
        }
    }

    private static func station(_ entry: String) throws -> StationRegistry.Station? {
        try StationRegistry(.array([JSONReader.parse(entry)])).stations.values.first
    }

    /// Records that `pipeline`, which keeps frames `retention` milliseconds, has delivered them
    /// through `sequence` (at `now`), then deletes the frames every pipeline reading the buffer
    /// has delivered that arrived longer ago than the longest of their retentions
    /// (``SQLiteDatabase/releasedRecords(readers:channel:pipeline:deliveredThrough:retention:now:)``),
    /// oldest first, in transactions of `chunk` rows so the listener's group commits get the
    /// file in between; stops after `limit` rows.
    /// - Returns: how many frames were deleted.
    @discardableResult
    public func prune(pipeline: String, deliveredThrough sequence: Int, retention: Int64, now: Int64, chunk: Int = 5000,
                      limit: Int = 500_000) throws -> Int {
        guard let (through, cutoff) = try db.releasedRecords(readers: "hj212_readers", channel: "", pipeline: pipeline,
                                                             deliveredThrough: sequence, retention: retention, now: now) else { return 0 }
        let delete = try db.prepare("""
            DELETE FROM hj212_frames WHERE sequence IN (
                SELECT sequence FROM hj212_frames WHERE sequence <= ? AND received_at_ms < ? ORDER BY sequence LIMIT ?)
            """)
        var deleted = 0
        while deleted < limit {
            try delete.run([.integer(through), .integer(Int(cutoff)), .integer(min(chunk, limit - deleted))])
            let changed = db.changes
            deleted += changed
            if changed < chunk { break }
        }
        return deleted
    }

    /// Makes `pipeline` a reader of the buffer before its first run, if it is not one yet.
    public func register(pipeline: String, retention: Int64, now: Int64) throws {
        try db.registerReader(readers: "hj212_readers", channel: "", pipeline: pipeline, retention: retention, now: now)
    }

    /// The highest sequence ever given (also of frames since deleted).
    public func lastSequenceGiven() throws -> Int {
        try db.lastSequenceGiven(in: "hj212_frames")
    }

    /// The highest sequence stored, 0 when empty.
    public func lastSequence() throws -> Int {
        try Self.integer(db, "SELECT coalesce(max(sequence), 0) FROM hj212_frames")
    }

    /// How many frames are stored.
    public func count() throws -> Int {
        try Self.integer(db, "SELECT count(*) FROM hj212_frames")
    }

    /// How many packets of incomplete split uploads are waiting for the rest.
    public func pendingPacketCount() throws -> Int {
        try Self.integer(db, "SELECT count(*) FROM hj212_packets")
    }

    static func bytes(_ value: SQLiteValue) -> [UInt8]? {
        switch value {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The writing statements, compiled once per connection and reused by every group.
    private struct Statements {
        let insertFrame, insertStation, stationID: SQLiteStatement
        let storedUpload, closeUpload, closedUploads, deleteFrame, insertPart, partRaw, partSize, partCount, partRows, deleteParts: SQLiteStatement
    }

    private func prepared() throws -> Statements {
        if let statements { return statements }
        let compiled = Statements(
            insertFrame: try db.prepare("""
                INSERT INTO hj212_frames (received_at_ms, peer, mn, cn, st, qn, edition, data_time, dedupe_key, raw,
                    station, record_count, note, packets, first_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """),
            insertStation: try db.prepare("INSERT INTO hj212_stations (entry) VALUES (?) ON CONFLICT DO NOTHING"),
            stationID: try db.prepare("SELECT id FROM hj212_stations WHERE entry = ?"),
            storedUpload: try db.prepare("""
                SELECT sequence, raw, packets, coalesce(first_sequence, sequence) FROM hj212_frames
                WHERE mn = ? AND cn = ? AND dedupe_key = ?
                """),
            closeUpload: try db.prepare("UPDATE hj212_frames SET dedupe_key = dedupe_key || ';#' || ? WHERE sequence = ?"),
            closedUploads: try db.prepare("""
                SELECT 1 FROM hj212_frames WHERE mn = ? AND cn = ? AND dedupe_key > ? AND dedupe_key < ? AND instr(raw, ?) > 0 LIMIT 1
                """),
            deleteFrame: try db.prepare("DELETE FROM hj212_frames WHERE sequence = ?"),
            insertPart: try db.prepare("""
                INSERT INTO hj212_packets (mn, cn, dedupe_key, pno, pnum, received_at_ms, peer, raw)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """),
            partRaw: try db.prepare("SELECT raw FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ? AND pno = ?"),
            partSize: try db.prepare("SELECT pnum FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ? LIMIT 1"),
            partCount: try db.prepare("SELECT count(*) FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ?"),
            partRows: try db.prepare("""
                SELECT raw, pno, pnum, received_at_ms, peer FROM hj212_packets
                WHERE mn = ? AND cn = ? AND dedupe_key = ? ORDER BY pno
                """),
            deleteParts: try db.prepare("DELETE FROM hj212_packets WHERE mn = ? AND cn = ? AND dedupe_key = ?"))
        statements = compiled
        return compiled
    }
}

@available(*, unavailable)
extension FrameBuffer: Sendable {}
