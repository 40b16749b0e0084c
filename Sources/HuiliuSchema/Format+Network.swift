/// `uuid` (RFC 9562), `ipv4`, `ipv6`, `hostname` (RFC 1123) and `email` (RFC 5321 mailbox).
enum NetworkFormat {
    static func isUUID(_ text: String) -> Bool {
        let s = Array(text.utf8)
        guard s.count == 36 else { return false }
        for (k, b) in s.enumerated() {
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard Unicode.Scalar(b).isASCIIHexDigit else { return false }
            }
        }
        return true
    }

    /// Dotted quad, decimal octets 0–255 without leading zeros.
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.unicodeScalars.allSatisfy(\.isASCIIDigit),
                  part == "0" || !part.hasPrefix("0"), let value = Int(part), value <= 255 else { return false }
        }
        return true
    }

    /// RFC 4291 text form: eight groups, one `::`, an optional trailing dotted quad.
    static func isIPv6(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.isASCIIHexDigit || $0 == ":" || $0 == "." }) else {
            return false
        }
        let halves = text.ranges(of: "::")
        guard halves.count <= 1 else { return false }
        func groups(_ part: Substring, last: Bool) -> Int? {
            if part.isEmpty { return 0 }
            var count = 0
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (k, field) in fields.enumerated() {
                if last && k == fields.count - 1 && field.contains(".") {
                    guard isIPv4(field) else { return nil }
                    count += 2
                } else {
                    guard (1...4).contains(field.count), !field.contains(".") else { return nil }
                    count += 1
                }
            }
            return count
        }
        if let gap = halves.first {
            guard let head = groups(text[..<gap.lowerBound], last: false),
                  let tail = groups(text[gap.upperBound...], last: true) else { return false }
            return head + tail <= 7
        }
        return groups(text, last: true) == 8
    }

    static func isHostname(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count), !label.hasPrefix("-"), !label.hasSuffix("-"),
                  label.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }) else {
                return false
            }
        }
        return true
    }

    static func isEmail(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, isLocalPart(local) else { return false }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { return isIPv6(literal.dropFirst(5)) }
            return isIPv4(literal)
        }
        return isHostname(domain)
    }

    private static func isLocalPart(_ local: Substring) -> Bool {
        let s = Array(local.unicodeScalars)
        if s.first == "\"" {
            guard s.count >= 2, s.last == "\"" else { return false }
            var i = 1
            while i < s.count - 1 {
                let v = s[i].value
                if v == 0x5C {
                    guard i + 1 < s.count - 1, (32...126).contains(s[i + 1].value) else { return false }
                    i += 2
                    continue
                }
                guard (32...126).contains(v), v != 0x22 else { return false }
                i += 1
            }
            return true
        }
        let atext = "!#$%&'*+-/=?^_`{|}~".unicodeScalars
        for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
            guard !atom.isEmpty,
                  atom.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || atext.contains($0) }) else {
                return false
            }
        }
        return true
    }
}
