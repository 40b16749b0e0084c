/// Hexadecimal text to bytes and back.
public enum Hex {
    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>, uppercase: Bool = false) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `text` spells, in either case; whitespace is ignored.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for char in text.utf8 where char != 32 && char != 10 && char != 13 && char != 9 {
            guard let value = PercentEncoding.hexValue(char) else {
                throw CryptoError("not hexadecimal: \(UnicodeScalar(char).escaped(asASCII: true))")
            }
            if let h = high {
                out.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        guard high == nil else { throw CryptoError("odd number of hex digits") }
        return out
    }
}
