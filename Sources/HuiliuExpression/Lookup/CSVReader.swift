/// Reads RFC 4180 CSV text: comma-separated fields, `"…"` quoting with `""` for a
/// quote, CRLF or LF line ends, and an optional UTF-8 byte order mark.
enum CSVReader {
    /// The rows, each with the line number it starts on; blank lines are skipped.
    static func rows(_ text: String) throws(LookupTableError) -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var inQuotes = false
        var afterQuote = false
        var line = 1
        var rowLine = 1
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var i = 0

        func endRow() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append((rowLine, fields)) }
            fields = []
        }

        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "," {
                fields.append(String(field))
                field = String.UnicodeScalarView()
                afterQuote = false
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" { i += 1 }
                endRow()
                afterQuote = false
                line += 1
                rowLine = line
            } else if c == "\"" && field.isEmpty && !afterQuote {
                inQuotes = true
            } else if afterQuote {
                throw LookupTableError(line: line, message: "unexpected character after a closing quote")
            } else {
                field.append(c)
            }
            i += 1
        }
        if inQuotes { throw LookupTableError(line: rowLine, message: "unclosed quoted field") }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }
}
