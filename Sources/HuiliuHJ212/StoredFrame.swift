public import HuiliuEnvironment
import HuiliuStore

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
    /// The frame's bytes as received (the packets one after another, for a split upload).
    public var rawBytes: [UInt8]
    /// The station entry the listener normalized it against, without the password.
    public var station: StationRegistry.Station?
    /// How many records normalizing it gave.
    public var recordCount: Int
    /// Why there are no records, if there are none.
    public var note: String?
    /// How many packets the upload came in.
    public var packets: Int
    /// Where the frame stands among the others for history (the AQI's averages): where it was
    /// first stored, which a late packet of a split upload does not change.
    public var order: Int

    init(row: [SQLiteValue], station: StationRegistry.Station?) {
        sequence = row[0].integer ?? 0
        receivedAt = Int64(row[1].integer ?? 0)
        peer = row[2].text ?? ""
        mn = row[3].text ?? ""
        cn = row[4].text ?? ""
        st = row[5].text ?? ""
        qn = row[6].text
        edition = row[7].text ?? ""
        dataTime = row[8].text
        rawBytes = FrameBuffer.bytes(row[9]) ?? []
        recordCount = row[10].integer ?? 0
        note = row[11].text
        packets = row[12].integer ?? 1
        order = row[14].integer ?? sequence
        self.station = station
    }

    /// The frame text as received.
    public var raw: String { String(decoding: rawBytes, as: UTF8.self) }

    /// Its `environment.measurement` records, derived from the bytes against ``station`` as the
    /// listener derived them before acknowledging.
    /// - Throws: ``StoredFrameError`` if the bytes no longer decode.
    public func measurements() throws(StoredFrameError) -> [EnvironmentMeasurement] {
        try FrameRecords.measurements(raw: rawBytes, packets: packets, station: station)
    }
}
