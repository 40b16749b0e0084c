import Foundation
import HuiliuCore
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
        let percent = TextEscaping.percentEncoded(value)
        add(percent)
        add(TextEscaping.percentEncoded(value, lowercase: true))
        add(percent.replacingOccurrences(of: "%20", with: "+"))  // a form body's space
        add(percent.replacingOccurrences(of: "%2F", with: "/"))  // Python's quote() keeps `/`
        // Inside a JSON string, as the gateway's own writer escapes it, then with `/` escaped
        // (Foundation) and with everything past ASCII as `\uXXXX` (Python's json.dumps).
        let json = String(Value.string(value).jsonText.dropFirst().dropLast())
        add(json)
        add(json.replacingOccurrences(of: "/", with: "\\/"))
        add(asciiOnly(json))
        let xml = TextEscaping.xmlEscaped(value)
        add(xml)
        add(TextEscaping.xmlEscaped(value, quotes: false))
        add(xml.replacingOccurrences(of: "&apos;", with: "&#39;"))  // as libxml2 and Java write it
        add(xml.replacingOccurrences(of: "&apos;", with: "&#x27;"))  // as Python's html.escape does
        return forms
    }

    /// JSON text with every scalar past ASCII as `\uXXXX` (surrogate pairs above the BMP).
    static func asciiOnly(_ json: String) -> String {
        var out = ""
        for scalar in json.unicodeScalars {
            guard scalar.value > 0x7E else { out.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 {
                let digits = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            }
        }
        return out
    }
}
