extension HJ212 {
    /// The HJ 212 checksum of `bytes` (Appendix A, "ANSI CRC16").
    ///
    /// This is **not** CRC-16/MODBUS although it shares the polynomial (0xA001 reflected) and
    /// the initial value 0xFFFF: per byte, the register's high byte is XORed with the data byte
    /// and the old low byte is dropped (`crc = (crc >> 8) ^ byte`), then shifted eight times.
    /// Because `(crc >> 8) ^ byte` is below 256, the eight shifts depend on that one byte only
    /// and fold into a 256-entry table.
    public static func crc16(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        crcTable.withUnsafeBufferPointer { table in
            var crc: UInt16 = 0xFFFF
            for byte in bytes {
                crc = table[Int((crc >> 8) ^ UInt16(byte))]
            }
            return crc
        }
    }

    /// The HJ 212 checksum of `bytes`.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        if let crc = bytes.withContiguousStorageIfAvailable({ crc16(UnsafeRawBufferPointer($0)) }) {
            return crc
        }
        return Array(bytes).withUnsafeBytes { crc16($0) }
    }

    /// The eight shift-and-XOR rounds of the reference code, precomputed per input byte.
    static let crcTable: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index)
        for _ in 0..<8 {
            let carry = crc & 1
            crc >>= 1
            if carry == 1 { crc ^= 0xA001 }
        }
        return crc
    }
}
