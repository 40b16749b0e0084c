/// Base64 (RFC 4648 §4) text to bytes and back; the URL-safe alphabet is accepted when decoding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Padded base64 of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var k = 0
        while k + 2 < input.count {
            let n = UInt32(input[k]) << 16 | UInt32(input[k + 1]) << 8 | UInt32(input[k + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(n >> UInt32(shift) & 63)]) }
            k += 3
        }
        let rest = input.count - k
        if rest > 0 {
            let n = UInt32(input[k]) << 16 | (rest == 2 ? UInt32(input[k + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of base64 `text`; padding is optional and whitespace (line wrapping) is ignored.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for char in text.utf8 {
            if char == 32 || char == 10 || char == 13 || char == 9 { continue }
            if char == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            let value = values[Int(char)]
            guard value != 0xFF, padding == 0 else {
                throw CryptoError("not base64: unexpected \(UnicodeScalar(char).escaped(asASCII: true))")
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(accumulator >> UInt32(bits) & 0xFF))
            }
        }
        guard bits < 6, padding <= 2 else { throw CryptoError("not base64: truncated input") }
        return out
    }
}
