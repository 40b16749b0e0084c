import HuiliuCore
import HuiliuEnvironment
@testable import HuiliuHJ212
import HuiliuStore
import Testing

/// The durable buffer: sequence order, duplicates stored once, split uploads completed.
struct FrameBufferTests {
    static func row(_ bytes: [UInt8], stations: StationRegistry = StationRegistry()) throws -> BufferedFrame {
        let frame = try AdmissionAndAssemblyTests.decode(bytes)
        return BufferedFrame(frame: frame, raw: bytes, station: stations[frame.mn], peer: "127.0.0.1:1", receivedAt: 1_700_000_000_000)
    }

    @Test func storesInSequenceAndRecognisesRetransmissions() throws {
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let a = try Self.row(Fixtures.upload(mn: "M1", qn: "20240601090000001"))
        let b = try Self.row(Fixtures.upload(mn: "M2", qn: "20240601090000001"))
        #expect(try buffer.store([a, b]) == [.stored(sequence: 1), .stored(sequence: 2)])
        // The same MN and QN again (the acknowledgement was lost): stored once.
        #expect(try buffer.store([a]) == [.duplicate])
        let stored = try buffer.frames(after: 0, limit: 10)
        #expect(stored.map(\.sequence) == [1, 2])
        #expect(stored.map(\.mn) == ["M1", "M2"])
        #expect(stored[0].raw == String(decoding: Fixtures.upload(mn: "M1", qn: "20240601090000001"), as: UTF8.self))
        #expect(stored[0].recordCount == 1)
        #expect(try stored[0].measurements().first?.key == "M1/w01001/realtime/2024-06-01T08:00:00+08:00")
        #expect(try buffer.frames(after: 1, limit: 10).map(\.sequence) == [2])
    }

    /// A device that sends other data under a QN it used before (the hours of a history
    /// answer, a clock that repeats) is acknowledged; its data must be kept, not taken for a
    /// retransmission and dropped.
    @Test func aReusedQNWithOtherDataIsNotADuplicate() throws {
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let first = try Self.row(Fixtures.upload(mn: "M1", qn: "20240601090000002", cn: "2061",
                                                 data: "DataTime=20240601080000;a21026-Avg=10,a21026-Flag=N"))
        let second = try Self.row(Fixtures.upload(mn: "M1", qn: "20240601090000002", cn: "2061",
                                                  data: "DataTime=20240601090000;a21026-Avg=12,a21026-Flag=N"))
        #expect(try buffer.store([first, second]) == [.stored(sequence: 1), .stored(sequence: 2)])
        #expect(try buffer.store([second]) == [.duplicate])
    }

    /// The same QN and hour with other values is a correction (a device resending an hour after
    /// calibration), not a retransmission: it is kept, after the first, and delivered last.
    @Test func aCorrectedResendIsKept() throws {
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let first = try Self.row(Fixtures.upload(mn: "M1", qn: "20240601090000003", cn: "2061",
                                                 data: "DataTime=20240601080000;a21026-Avg=10,a21026-Flag=N"))
        let corrected = try Self.row(Fixtures.upload(mn: "M1", qn: "20240601090000003", cn: "2061",
                                                     data: "DataTime=20240601080000;a21026-Avg=25,a21026-Flag=N"))
        #expect(try buffer.store([first, corrected]) == [.stored(sequence: 1), .stored(sequence: 2)])
        #expect(try buffer.store([corrected]) == [.duplicate])
        let legacy = Fixtures.frame("ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N&&")
        let fixed = Fixtures.frame("ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=23.1,011-Flag=N&&")
        let outcomes = try buffer.store([try Self.row(legacy), try Self.row(fixed)])
        #expect(outcomes.allSatisfy { if case .stored = $0 { true } else { false } }, "\(outcomes)")
        let values = try buffer.frames(after: 0, limit: 10).flatMap { try $0.measurements() }.map { $0.data["value"]?.jsonText ?? "" }
        #expect(values == ["10", "25", "231.0", "23.1"])
    }

    /// A frame stored before keys held a digest still recognises its retransmission.
    @Test func keysOfFramesStoredBeforeTheDigestAreMigrated() throws {
        let path = Fixtures.directory() + "/b.db"
        let frame = try Self.row(Fixtures.upload(mn: "M1", qn: "20240601090000004"))
        do {
            let buffer = try FrameBuffer(path: path)
            #expect(try buffer.store([frame]) == [.stored(sequence: 1)])
        }
        let old = try #require(frame.dedupeKey.map { String($0.dropLast(18)) })  // without ";#" and 16 hex digits
        let database = try SQLiteDatabase(path: path)
        try database.prepare("UPDATE hj212_frames SET dedupe_key = ?").run([.text(old)])
        try database.execute("DROP TABLE hj212_keys_with_digests")
        let reopened = try FrameBuffer(path: path)
        #expect(try reopened.store([frame]) == [.duplicate])
    }

    @Test func framesWithoutQNAreRecognisedByDataTime() throws {
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let legacy = Fixtures.frame("ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N&&")
        #expect(try buffer.store([try Self.row(legacy)]) == [.stored(sequence: 1)])
        #expect(try buffer.store([try Self.row(legacy)]) == [.duplicate])
    }

    @Test func aSplitUploadIsStoredOnceItsLastPacketArrives() throws {
        let path = Fixtures.directory() + "/b.db"
        let buffer = try FrameBuffer(path: path)
        let one = Fixtures.frame("QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N&&")
        let two = Fixtures.frame("QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=2;CP=&&w21003-Avg=0.42,w21003-Flag=N&&")
        #expect(try buffer.store([try Self.row(two)]) == [.packetKept(number: 2, of: 2)])
        #expect(try buffer.store([try Self.row(two)]) == [.duplicate])
        #expect(try buffer.count() == 0)
        // A restart between packets loses nothing: the kept packet is in the file.
        let reopened = try FrameBuffer(path: path)
        #expect(try reopened.store([try Self.row(one)]) == [.stored(sequence: 1)])
        let stored = try reopened.frames(after: 0, limit: 10)
        #expect(stored.count == 1)
        #expect(stored[0].packets == 2)
        #expect(stored[0].dataTime == "2024-06-01T08:00:00+08:00")
        let codes = try stored[0].measurements().compactMap { $0.data["parameter_code"]?.stringValue }
        #expect(codes == ["w01001", "w21003"])
        #expect(try reopened.pendingPacketCount() == 0)
        // A packet retransmitted after the upload was stored is a duplicate.
        #expect(try reopened.store([try Self.row(one)]) == [.duplicate])
    }

    /// A history answer echoes the request's QN in every upload, and splits each hour: the
    /// second hour's packets are another upload, not retransmissions of the first's (they were
    /// acknowledged and dropped). The same holds while the first still misses a packet.
    @Test func uploadsReusingAQNAreEachStored() throws {
        func packet(_ hour: String, _ number: Int, _ value: String) throws -> BufferedFrame {
            let area = number == 1 ? "DataTime=20240601\(hour)0000;w01001-Avg=\(value),w01001-Flag=N" : "w21003-Avg=\(value),w21003-Flag=N"
            return try Self.row(Fixtures.frame("QN=20240601090000009;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=\(number);CP=&&\(area)&&"))
        }
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        #expect(try buffer.store([packet("01", 1, "7.1"), packet("01", 2, "0.41")]) == [.packetKept(number: 1, of: 2), .stored(sequence: 1)])
        #expect(try buffer.store([packet("02", 1, "7.2"), packet("02", 2, "0.42")]) == [.packetKept(number: 1, of: 2), .stored(sequence: 2)])
        // Retransmissions of either hour are still duplicates.
        #expect(try buffer.store([packet("02", 2, "0.42"), packet("01", 1, "7.1")]) == [.duplicate, .duplicate])
        // Hour 03 loses its second packet; hour 04 reuses the QN: 03 is stored as it came.
        #expect(try buffer.store([packet("03", 1, "7.3"), packet("04", 1, "7.4"), packet("04", 2, "0.44")])
                == [.packetKept(number: 1, of: 2), .packetKept(number: 1, of: 2), .stored(sequence: 4)])
        let stored = try buffer.frames(after: 0, limit: 10)
        #expect(stored.map(\.dataTime) == ["01", "02", "03", "04"].map { "2024-06-01T\($0):00:00+08:00" })
        #expect(stored.map(\.note) == [nil, nil, "incomplete upload: packet 2 of 2 never came", nil])
        #expect(try stored.map { try $0.measurements().compactMap { $0.data["value"]?.doubleValue } } == [[7.1, 0.41], [7.2, 0.42], [7.3], [7.4, 0.44]])
    }

    /// An upload stored incomplete keeps its key (its QN) through the key migration, however
    /// often the buffer is opened, so its late packet still completes it.
    @Test func aLatePacketCompletesAnUploadAfterTheBufferIsReopened() throws {
        let path = Fixtures.directory() + "/b.db"
        let one = Fixtures.frame("QN=20240601090000008;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N&&")
        let two = Fixtures.frame("QN=20240601090000008;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=2;CP=&&w21003-Avg=0.42,w21003-Flag=N&&")
        do {
            let buffer = try FrameBuffer(path: path)
            #expect(try buffer.store([try Self.row(one)]) == [.packetKept(number: 1, of: 2)])
            #expect(try buffer.storeIncompleteUploads(firstReceivedBefore: 1_700_000_000_001, stations: StationRegistry()) == 1)
        }
        // As a buffer written before the migration would be: opened again, it migrates.
        try SQLiteDatabase(path: path).execute("DROP TABLE hj212_keys_with_digests")
        _ = try FrameBuffer(path: path)
        let reopened = try FrameBuffer(path: path)
        #expect(try reopened.store([try Self.row(two)]) == [.stored(sequence: 2)])
        #expect(try reopened.frames(after: 0, limit: 10).map(\.packets) == [2])
    }

    @Test func aSplitUploadMissingAPacketIsStoredWithWhatCameOnceItTimesOut() throws {
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let one = Fixtures.frame("QN=20240601090000007;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=3;PNO=1;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N&&")
        let three = Fixtures.frame("QN=20240601090000007;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=3;PNO=3;CP=&&w21003-Avg=0.42,w21003-Flag=N&&")
        #expect(try buffer.store([try Self.row(one), try Self.row(three)]) == [.packetKept(number: 1, of: 3), .packetKept(number: 3, of: 3)])
        let stations = StationRegistry(stations: [StationRegistry.Station(mn: "M1", agency: "麻城市生态环境局")])
        // Not yet due: the packets were received at 1_700_000_000_000.
        #expect(try buffer.storeIncompleteUploads(firstReceivedBefore: 1_700_000_000_000, stations: stations) == 0)
        #expect(try buffer.storeIncompleteUploads(firstReceivedBefore: 1_700_000_000_001, stations: stations) == 1)
        #expect(try buffer.pendingPacketCount() == 0)
        let stored = try buffer.frames(after: 0, limit: 10)
        #expect(stored.count == 1)
        #expect(stored[0].note == "incomplete upload: packet 2 of 3 never came")
        #expect(stored[0].packets == 2 && stored[0].dataTime == "2024-06-01T08:00:00+08:00")
        let measurements = try stored[0].measurements()
        #expect(measurements.compactMap { $0.data["parameter_code"]?.stringValue } == ["w01001", "w21003"])
        #expect(measurements.first?.data["agency"] == "麻城市生态环境局")
        // A packet already in the stored upload is a retransmission.
        #expect(try buffer.store([try Self.row(three)]) == [.duplicate])
        // The missing packet, arriving after all, is not lost: the upload is stored again with
        // it, under a new sequence number so the source delivers it, in place of the old row.
        let two = Fixtures.frame("QN=20240601090000007;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=3;PNO=2;CP=&&w01009-Avg=6.8,w01009-Flag=N&&")
        #expect(try buffer.store([try Self.row(two)]) == [.stored(sequence: 2)])
        let completed = try buffer.frames(after: 0, limit: 10)
        #expect(completed.map(\.sequence) == [2])
        #expect(completed[0].note == nil && completed[0].packets == 3 && completed[0].recordCount == 3)
        #expect(try completed[0].measurements().compactMap { $0.data["parameter_code"]?.stringValue } == ["w01001", "w01009", "w21003"])
        #expect(completed[0].raw == String(decoding: one + two + three, as: UTF8.self))
        #expect(try buffer.store([try Self.row(two)]) == [.duplicate])
        // For the history other frames see, it stays where it was first stored.
        #expect(completed[0].order == 1)
        let hours = try buffer.hourFrames(mn: "M1", from: "2024-06-01T08:00:00+08:00", before: "2024-06-01T09:00:00+08:00", storedBefore: 2)
        #expect(hours.map(\.sequence) == [2])
    }

    @Test func framesWithoutValuesAreStoredWithANote() throws {
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let states = Fixtures.frame("QN=20240601090000009;ST=21;CN=2021;PW=123456;MN=M1;Flag=5;CP=&&DataTime=20240601080000;SB1-RS=1&&")
        #expect(try buffer.store([try Self.row(states)]) == [.stored(sequence: 1)])
        let stored = try buffer.frames(after: 0, limit: 1)
        #expect(stored.first?.recordCount == 0)
        #expect(stored.first?.note == "CN 2021 carries no measurement data")
    }

    @Test func theStationEntryIsKeptOnceWithoutItsPasswordAndTheRecordsFollowIt() throws {
        let path = Fixtures.directory() + "/b.db"
        let buffer = try FrameBuffer(path: path)
        let station = StationRegistry.Station(mn: "M1", agency: "生态环境", region: "421181", password: "s3cret!",
                                              unitOverrides: ["w01001": "无量纲"])
        let registry = StationRegistry(stations: [station])
        let rows = try ["20240601090000001", "20240601090000002"].map {
            try Self.row(Fixtures.upload(mn: "M1", qn: $0), stations: registry)
        }
        #expect(try buffer.store(rows) == [.stored(sequence: 1), .stored(sequence: 2)])
        let stored = try FrameBuffer(path: path).frames(after: 0, limit: 10)
        #expect(stored.map { $0.station?.password } == [nil, nil])
        #expect(stored.map { $0.station?.agency } == ["生态环境", "生态环境"])
        let record = try #require(try stored[0].measurements().first)
        #expect(record.data["agency"] == .string("生态环境"))
        #expect(record.data["region"] == .string("421181"))
        #expect(record.data["unit"] == .string("无量纲"))
        let entries = try SQLiteDatabase(path: path).prepare("SELECT entry FROM hj212_stations").rows()
        #expect(entries.count == 1)
        #expect(entries.first?.first?.text?.contains("s3cret!") == false)
    }

    @Test func theBytesOfAFrameAreKeptExactly() throws {
        // Log text in GBK is not UTF-8; the CRC covers the bytes as sent, and the records are
        // derived from them again, so the buffer keeps them as they came.
        let segment = Array("QN=20240601090000001;ST=21;CN=2061;PW=123456;MN=M1;Flag=4;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N;i11001-Info=//".utf8)
            + [0xC9, 0xE8, 0xB1, 0xB8] + Array("//&&".utf8)
        let bytes = HJ212.encodeFrame(segment: segment)
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        #expect(try buffer.store([try Self.row(bytes)]) == [.stored(sequence: 1)])
        let stored = try #require(try buffer.frames(after: 0, limit: 1).first)
        #expect(stored.rawBytes == bytes)
        #expect(stored.recordCount == 1)
        #expect(try stored.measurements().map(\.key) == ["M1/w01001/hour/2024-06-01T08:00:00+08:00"])
    }

    @Test func aBufferInTheFirstLayoutIsRefusedWithTheReason() throws {
        let path = Fixtures.directory() + "/b.db"
        try SQLiteDatabase(path: path).execute("""
            CREATE TABLE hj212_frames (sequence INTEGER PRIMARY KEY AUTOINCREMENT, raw TEXT NOT NULL, records TEXT NOT NULL)
            """)
        #expect(performing: { _ = try FrameBuffer(path: path) }, throws: { "\($0)".contains("first layout") })
    }
}
