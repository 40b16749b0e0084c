/// Text written into the syntaxes requests and answers carry: one place for each, so a
/// request template, a form body and the masking of secrets agree on what the bytes look like.
public enum TextEscaping {
    /// Every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) as `%XX`, in
    /// upper-case hex unless `lowercase`.
    public static func percentEncoded(_ text: some StringProtocol, lowercase: Bool = false) -> String {
        let hex = lowercase ? lowerHex : upperHex
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether RFC 3986 leaves `byte` as it is in a query or path.
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The text as XML character data: `&`, `<`, `>`, and the quotes as `&quot;` and `&apos;`
    /// when `quotes` (attribute values).
    public static func xmlEscaped(_ text: String, quotes: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            case "'" where quotes: out += "&apos;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8), lowerHex = Array("0123456789abcdef".utf8)
}
