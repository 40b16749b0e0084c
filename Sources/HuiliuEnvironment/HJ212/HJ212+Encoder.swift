extension HJ212 {
    /// Wraps a data segment into a frame: `##`, the 4-digit byte length, the segment, its
    /// upper-case CRC and CR LF.
    public static func encodeFrame(segment: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(segment.count + 12)
        out.append(Byte.hash)
        out.append(Byte.hash)
        Timestamp.append(segment.count, width: 4, to: &out)
        out.append(contentsOf: segment)
        let crc = crc16(segment)
        out.append(contentsOf: Byte.hex4(crc).utf8)
        out.append(Byte.cr)
        out.append(Byte.lf)
        return out
    }

    /// Wraps a data segment given as text (UTF-8; the length counts bytes).
    public static func encodeFrame(segment: String) -> [UInt8] {
        encodeFrame(segment: Array(segment.utf8))
    }
}
