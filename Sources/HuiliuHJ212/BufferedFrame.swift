public import HuiliuEnvironment
import HuiliuCore

/// One received frame as the local buffer stores it: who sent it, its header, its exact bytes,
/// and what normalizing it gave.
///
/// The normalized records themselves are not stored: they follow from the bytes and the
/// station the frame was normalized against, which the buffer keeps (without its password),
/// so the `hj212` source derives the same records again when it reads the buffer
/// (``StoredFrame/measurements()``). That keeps a row near the size of the frame, which is
/// what lets the commit thread keep up.
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
    /// What makes a retransmission recognisable: `QN` and `DataTime` (a device that reuses a QN
    /// for other data, such as the hours of a history answer, changes `DataTime`), `DataTime`
    /// alone for 2005 frames, which have no `QN`, and `QN` alone for the packets of a split
    /// upload, which share it while only the first need carry `DataTime`. A whole frame's key
    /// also holds a digest of its bytes: a retransmission repeats them, while a corrected
    /// resend of the same hour (a value fixed after calibration) is new data to keep. Uploads
    /// whose packets reuse a QN (each hour of a history answer) are told apart by the buffer:
    /// a packet number already held with other bytes starts another upload, and the one before
    /// gets its bytes' digest appended to its key.
    public var dedupeKey: String?
    /// The frame's bytes, `##` through CR LF.
    public var raw: [UInt8]
    /// The registry entry the frame was normalized against; the buffer stores it without the password.
    public var station: StationRegistry.Station?
    /// How many records normalizing the frame gave.
    public var recordCount: Int
    /// Why the frame gave no records, when it gave none.
    public var note: String?
    /// The packet, for one part of a split upload.
    public var packet: Packet?

    /// FNV-1a, 64 bits, in hex: cheap on the listener's path, and only ever compared among one
    /// station's frames of one `QN` and hour.
    static func digest(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

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
        let time = frame.dataTime.map { "DataTime=" + $0.compact }
        if (frame.pnum ?? 1) <= 1 {
            let key = frame.qn.map { qn in time.map { qn + ";" + $0 } ?? qn } ?? time
            dedupeKey = key.map { $0 + ";#" + Self.digest(raw) }
        } else {
            dedupeKey = frame.qn ?? time
        }
        self.raw = raw
        self.station = station
        if let pno = frame.pno, let pnum = frame.pnum, pnum > 1 {
            // A packet alone is not normalized: it may lack DataTime or half an item. The
            // upload is normalized when its last packet arrives.
            packet = Packet(number: pno, count: pnum)
            recordCount = 0
        } else {
            let summary = FrameRecords.normalize([frame], station: station)
            recordCount = summary.measurements.count
            note = summary.note
        }
    }
}

/// Turns stored frames into their `environment.measurement` records, the same way the
/// listener normalized them before it acknowledged.
public enum FrameRecords {
    /// The normalized measurements of `frames` (one upload, possibly reassembled) and, if there
    /// are none, why.
    public static func normalize(_ frames: [HJ212.Frame], station: StationRegistry.Station?) -> (measurements: [EnvironmentMeasurement], note: String?) {
        var measurements: [EnvironmentMeasurement] = []
        var notes: [String] = []
        for frame in frames {
            do {
                measurements += try EnvironmentMeasurement.normalize(frame, station: station).measurements
            } catch {
                notes.append(error.message)
            }
        }
        let note = measurements.isEmpty ? (notes.first ?? "the frame carries no measurement values") : nil
        return (measurements, note)
    }

    /// The measurements of an upload from its stored bytes: one frame, or the `packets`
    /// packets of a split upload one after another, which are put back together first.
    /// - Throws: ``StoredFrameError`` when the bytes no longer decode (the file was altered).
    public static func measurements(raw: [UInt8], packets: Int = 1,
                                    station: StationRegistry.Station?) throws(StoredFrameError) -> [EnvironmentMeasurement] {
        var frames: [HJ212.Frame] = []
        for (offset, result) in HJ212.FrameDecoder(configuration: decoderConfiguration).decodeAll(raw) {
            switch result {
            case .success(let frame): frames.append(frame)
            case .failure(let error): throw StoredFrameError(message: "stored frame at byte \(offset) does not decode: \(error.message)")
            }
        }
        // As the buffer did when the last packet came: every stored packet, merged.
        return normalize(packets > 1 ? PacketAssembly.merge(frames) : frames, station: station).measurements
    }

    /// The buffer holds only frames the listener verified, whatever its length limit was.
    static let decoderConfiguration: HJ212.FrameDecoder.Configuration = {
        var configuration = HJ212.FrameDecoder.Configuration()
        configuration.maximumDataLength = 9999
        return configuration
    }()
}

/// A stored frame whose bytes no longer decode.
public struct StoredFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    public var description: String { message }
}
