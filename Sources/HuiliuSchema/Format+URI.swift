/// RFC 3986 `URI` and `URI-reference` (and, with non-ASCII allowed, RFC 3987 IRIs), checked
/// against the grammar: scheme, authority with IP literals, percent-encoding, and which
/// characters each part may hold.
enum URIFormat {
    static func isURI(_ text: String, allowRelative: Bool, allowNonASCII: Bool) -> Bool {
        let s = Array(text.unicodeScalars)
        var i = 0
        if let colon = s.firstIndex(where: { $0 == ":" || $0 == "/" || $0 == "?" || $0 == "#" }), s[colon] == ":",
           colon > 0, s[0].isASCIILetter,
           s[1..<colon].allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "+" || $0 == "-" || $0 == "." }) {
            i = colon + 1
        } else if !allowRelative {
            return false
        } else {
            // A relative reference: its first path segment must not contain ':' (path-noscheme).
            let end = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? s.count
            if s[..<end].contains(":") { return false }
        }
        let rules = Rules(allowNonASCII: allowNonASCII)
        if i + 1 < s.count, s[i] == "/", s[i + 1] == "/" {
            i += 2
            let end = s[i...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? s.count
            guard isAuthority(s[i..<end], rules) else { return false }
            i = end
        }
        let pathEnd = s[i...].firstIndex(where: { $0 == "?" || $0 == "#" }) ?? s.count
        guard rules.all(s[i..<pathEnd], extra: "/:@") else { return false }
        i = pathEnd
        if i < s.count, s[i] == "?" {
            let end = s[(i + 1)...].firstIndex(of: "#") ?? s.count
            guard rules.all(s[(i + 1)..<end], extra: "/?:@") else { return false }
            i = end
        }
        if i < s.count, s[i] == "#" {
            guard rules.all(s[(i + 1)...], extra: "/?:@") else { return false }
        }
        return true
    }

    private struct Rules {
        let allowNonASCII: Bool

        /// True if every scalar is unreserved, a sub-delim, in `extra`, or part of a `%HH`.
        func all(_ part: ArraySlice<Unicode.Scalar>, extra: String) -> Bool {
            var i = part.startIndex
            while i < part.endIndex {
                let c = part[i]
                if c == "%" {
                    guard i + 2 < part.endIndex, part[i + 1].isASCIIHexDigit, part[i + 2].isASCIIHexDigit else { return false }
                    i += 3
                    continue
                }
                guard isUnreserved(c) || isSubDelim(c) || extra.unicodeScalars.contains(c) else { return false }
                i += 1
            }
            return true
        }

        func isUnreserved(_ c: Unicode.Scalar) -> Bool {
            if c.isASCIILetter || c.isASCIIDigit || c == "-" || c == "." || c == "_" || c == "~" { return true }
            // RFC 3987 ucschar, loosely: any non-ASCII scalar that is not a control or private use.
            return allowNonASCII && c.value >= 0xA0 && c.properties.generalCategory != .privateUse
        }
    }

    static func isSubDelim(_ c: Unicode.Scalar) -> Bool {
        "!$&'()*+,;=".unicodeScalars.contains(c)
    }

    private static func isAuthority(_ part: ArraySlice<Unicode.Scalar>, _ rules: Rules) -> Bool {
        var hostStart = part.startIndex
        if let at = part.firstIndex(of: "@") {
            guard rules.all(part[part.startIndex..<at], extra: ":") else { return false }
            hostStart = at + 1
        }
        var hostEnd = part.endIndex
        if hostStart < part.endIndex, part[hostStart] == "[" {
            guard let close = part[hostStart...].firstIndex(of: "]") else { return false }
            let literal = String(String.UnicodeScalarView(part[(hostStart + 1)..<close]))
            guard NetworkFormat.isIPv6(Substring(literal)) || isIPvFuture(literal) else { return false }
            hostEnd = close + 1
            guard hostEnd == part.endIndex || part[hostEnd] == ":" else { return false }
        } else {
            hostEnd = part[hostStart...].firstIndex(of: ":") ?? part.endIndex
            guard rules.all(part[hostStart..<hostEnd], extra: "") else { return false }
        }
        if hostEnd < part.endIndex {
            return part[(hostEnd + 1)...].allSatisfy(\.isASCIIDigit)
        }
        return true
    }

    /// `v` 1*HEXDIG `.` 1*( unreserved / sub-delims / `:` ).
    private static func isIPvFuture(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        guard s.count >= 4, s[0] == "v" || s[0] == "V", let dot = s.firstIndex(of: "."), dot > 1, dot + 1 < s.count,
              s[1..<dot].allSatisfy(\.isASCIIHexDigit) else { return false }
        return s[(dot + 1)...].allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || "-._~:".unicodeScalars.contains($0) || isSubDelim($0)
        }
    }
}
