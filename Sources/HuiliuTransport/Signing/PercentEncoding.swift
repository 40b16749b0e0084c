import HuiliuCore

/// RFC 3986 percent-encoding for query strings and form bodies.
enum PercentEncoding {
    /// `text` with every byte outside the unreserved set (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
    static func encode(_ text: some StringProtocol) -> String {
        TextEscaping.percentEncoded(text)
    }

    /// `text` with `%XX` sequences decoded (and `+` as a space when `plusAsSpace`), or `nil`
    /// when an escape is malformed or the result is not UTF-8.
    static func decode(_ text: Substring, plusAsSpace: Bool) -> String? {
        let utf8 = Array(text.utf8)
        guard utf8.contains(UInt8(ascii: "%")) || (plusAsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var k = 0
        while k < utf8.count {
            let byte = utf8[k]
            if byte == UInt8(ascii: "%") {
                guard k + 2 < utf8.count, let hi = hexValue(utf8[k + 1]), let lo = hexValue(utf8[k + 2]) else {
                    return nil
                }
                out.append(hi << 4 | lo)
                k += 3
            } else {
                out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                k += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - 55
        default: return nil
        }
    }
}
