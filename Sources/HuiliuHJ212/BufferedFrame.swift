public import HuiliuEnvironment
import HuiliuCore

/// One received frame as the local buffer stores it: who sent it, its header, its bytes,
/// and its normalized `environment.measurement` records as JSON.
public struct BufferedFrame: Sendable, Equatable {
    /// One packet of a split upload (`PNO` of `PNUM`).
    public struct Packet: Sendable, Equatable {
        /// The packet number, from 1.
        public var number: Int
        /// The total number of packets.
        public var count: Int
    }

    /// When the frame arrived, in milliseconds since 1970.
    public var receivedAt: Int64
    /// The device's address, `ip:port`.
    public var peer: String
    /// Device id.
    public var mn: String
    /// Command code.
    public var cn: String
    /// System code.
    public var st: String
    /// Request id, absent in 2005-style frames.
    public var qn: String?
    /// `2005`, `2017` or `2025`.
    public var edition: String
    /// `DataTime` in RFC 3339, if the frame has one.
    public var dataTime: String?
    /// What makes a retransmission recognisable: `QN`, else `DataTime` (2005 frames have no `QN`).
    public var dedupeKey: String?
    /// The frame as received, `##` through CR LF (several frames for a reassembled split upload).
    public var raw: String
    /// The normalized records, a JSON array of `{"key", "time", "data"}`.
    public var records: String
    /// How many records `records` holds.
    public var recordCount: Int
    /// Why the frame yielded no records, when it did not.
    public var note: String?
    /// The packet, for one part of a split upload.
    public var packet: Packet?

    /// The row for `frame`, normalized against `station`.
    /// - Parameters:
    ///   - frame: a verified frame.
    ///   - raw: its bytes.
    ///   - station: the registry entry for its `MN`, if any.
    ///   - peer: the sender's address.
    ///   - receivedAt: arrival time in milliseconds since 1970.
    public init(frame: HJ212.Frame, raw: [UInt8], station: StationRegistry.Station?, peer: String, receivedAt: Int64) {
        self.receivedAt = receivedAt
        self.peer = peer
        mn = frame.mn
        cn = frame.cn
        st = frame.st
        qn = frame.qn
        edition = frame.edition.rawValue
        dataTime = frame.dataTime?.rfc3339
        dedupeKey = frame.qn ?? frame.dataTime.map { "DataTime=" + $0.compact }
        self.raw = String(decoding: raw, as: UTF8.self)
        if let pno = frame.pno, let pnum = frame.pnum, pnum > 1 {
            // A packet alone is not normalized: it may lack DataTime or half an item.
            packet = Packet(number: pno, count: pnum)
            records = "[]"
            recordCount = 0
        } else {
            let encoded = FrameRecords.encode([frame], station: station)
            records = encoded.json
            recordCount = encoded.count
            note = encoded.note
        }
    }
}

/// Turns frames into the JSON the buffer keeps, and back.
public enum FrameRecords {
    /// The normalized measurements of `frames` (one upload, possibly reassembled), as a JSON
    /// array of `{"key", "time", "data"}`, with their number and, if there are none, why.
    public static func encode(_ frames: [HJ212.Frame], station: StationRegistry.Station?) -> (json: String, count: Int, note: String?) {
        var writer = JSONWriter(capacity: 2048)
        writer.append(UInt8(ascii: "["))
        var count = 0
        var notes: [String] = []
        for frame in frames {
            do {
                let normalized = try EnvironmentMeasurement.normalize(frame, station: station)
                for measurement in normalized.measurements {
                    if count > 0 { writer.append(UInt8(ascii: ",")) }
                    append(measurement, to: &writer)
                    count += 1
                }
            } catch {
                notes.append(error.message)
            }
        }
        writer.append(UInt8(ascii: "]"))
        let note = count == 0 ? (notes.first ?? "the frame carries no measurement values") : nil
        return (String(decoding: writer.bytes, as: UTF8.self), count, note)
    }

    private static func append(_ measurement: EnvironmentMeasurement, to writer: inout JSONWriter) {
        for byte in #"{"key":"#.utf8 { writer.append(byte) }
        writer.write(string: measurement.key)
        for byte in #","time":"#.utf8 { writer.append(byte) }
        writer.write(string: measurement.time)
        for byte in #","data":"#.utf8 { writer.append(byte) }
        writer.write(measurement.data)
        writer.append(UInt8(ascii: "}"))
    }

    /// Reads back what ``encode(_:station:)`` wrote.
    public static func decode(_ json: String) throws -> [EnvironmentMeasurement] {
        guard case .array(let items) = try JSONReader.parse(json) else { return [] }
        return items.compactMap { item in
            guard case .string(let key)? = item["key"], case .string(let time)? = item["time"], let data = item["data"] else {
                return nil
            }
            return EnvironmentMeasurement(data: data, key: key, time: time)
        }
    }
}
