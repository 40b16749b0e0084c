import Foundation
import Synchronization

/// The ways a secret is written where it may leak.
///
/// An answer that quotes a key back does so in its own syntax: JSON writes `sk\live` as
/// `sk\\live` (Python's `json.dumps` writes `密` as `\u5bc6`), XML writes `a&b` as `a&amp;b`, and
/// a URL or form body percent-encodes it. Masking only the value as written left all of these
/// whole in error messages and recorded fixtures.
public enum SecretForms {
    /// `value` as written, then each other form that differs from it, each once. Made once per
    /// value: masking runs per failed record and per line a tap writes.
    public static func of(_ value: String) -> [String] {
        if let known = made.withLock({ $0[value] }) { return known }
        let forms = make(value)
        made.withLock { $0[value] = forms }
        return forms
    }

    /// The forms made so far, by value (a process's secrets: a few dozen at most).
    private static let made = Mutex<[String: [String]]>([:])

    private static func make(_ value: String) -> [String] {
        var forms = [value]
        func add(_ form: String) { if !forms.contains(form) { forms.append(form) } }
        let percent = percentEncoded(value, hex: upperHex)
        add(percent)
        add(percentEncoded(value, hex: lowerHex))
        add(percent.replacingOccurrences(of: "%20", with: "+"))  // a form body's space
        add(percent.replacingOccurrences(of: "%2F", with: "/"))  // Python's quote() keeps `/`
        add(jsonEscaped(value, slash: false, ascii: false))
        add(jsonEscaped(value, slash: true, ascii: false))  // Foundation escapes `/`
        add(jsonEscaped(value, slash: false, ascii: true))
        add(xmlEscaped(value, quotes: true))
        add(xmlEscaped(value, quotes: false))
        add(xmlEscaped(value, quotes: true).replacingOccurrences(of: "&apos;", with: "&#39;"))  // as libxml2 and Java write it
        add(xmlEscaped(value, quotes: true).replacingOccurrences(of: "&apos;", with: "&#x27;"))  // as Python's html.escape does
        return forms
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8), lowerHex = Array("0123456789abcdef".utf8)

    /// Every byte outside RFC 3986's unreserved set as `%XX`.
    static func percentEncoded(_ text: String, hex: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text inside a JSON string: quotes, backslashes and controls escaped; `/` too when
    /// `slash`, and everything past ASCII as `\uXXXX` when `ascii`.
    static func jsonEscaped(_ text: String, slash: Bool, ascii: Bool) -> String {
        var out = ""
        func unicode(_ unit: UInt16) {
            let digits = String(unit, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/" where slash: out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (ascii && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 { unicode(unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// The text as XML character data: `&`, `<`, `>`, and the quotes when `quotes` (attributes).
    static func xmlEscaped(_ text: String, quotes: Bool) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            case "'" where quotes: out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
