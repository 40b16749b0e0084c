/// Finds where a key repeats in a YAML mapping. libyaml (through Yams) names only the
/// duplicate keys and where their mapping starts; an error should point at the repeat.
enum YAMLDuplicateKey {
    /// Where a key is first given and where it repeats (1-based lines and columns).
    typealias Places = (first: (line: Int, column: Int), repeat: (line: Int, column: Int))

    /// The 1-based lines and columns of the first and second `key` in the mapping whose first
    /// key is at `line`:`column`, or nil when the text does not show it plainly (a key spelled with
    /// escapes, say).
    static func location(of key: String, inMappingAt line: Int, column: Int, in text: String) -> Places? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard line >= 1, line <= lines.count, column >= 1, column <= lines[line - 1].count else { return nil }
        // A flow mapping's `{` comes before its first key, with nothing but blanks between.
        var index = line - 1, position = column - 2
        while index >= 0 {
            while position >= 0, lines[index][position] == " " || lines[index][position] == "\t" { position -= 1 }
            if position >= 0 || index == 0 { break }
            index -= 1
            position = lines[index].count - 1
        }
        if position >= 0, lines[index][position] == "{" {
            return flowLocation(of: key, lines: lines, line: index, column: position)
        }
        return blockLocation(of: key, lines: lines, line: line - 1, indent: column - 1)
    }

    /// Keys of a block mapping start at its indentation on the lines that follow, until a
    /// line with content starts left of it.
    private static func blockLocation(of key: String, lines: [[Unicode.Scalar]], line first: Int, indent: Int) -> Places? {
        var earlier: (line: Int, column: Int)?
        for index in first..<lines.count {
            let scalars = lines[index]
            let start = index == first ? indent : (scalars.firstIndex { $0 != " " } ?? scalars.count)
            guard start < scalars.count, scalars[start] != "#" else { continue }
            if index > first && start < indent { return nil }
            guard start == indent, let (name, _) = keyToken(scalars, from: start), name == key else { continue }
            if let earlier { return (earlier, (index + 1, start + 1)) }
            earlier = (index + 1, start + 1)
        }
        return nil
    }

    /// Keys of a flow mapping follow its `{` and each comma at its own nesting level.
    private static func flowLocation(of key: String, lines: [[Unicode.Scalar]], line first: Int, column: Int) -> Places? {
        var depth = 0
        var expectingKey = false
        var found: (line: Int, column: Int)?
        var index = first, position = column
        while index < lines.count {
            let scalars = lines[index]
            while position < scalars.count {
                let c = scalars[position]
                if c == " " || c == "\t" { position += 1; continue }
                if expectingKey && depth == 1 {
                    expectingKey = false
                    if let (name, end) = keyToken(scalars, from: position) {
                        if name == key {
                            if let found { return (found, (index + 1, position + 1)) }
                            found = (index + 1, position + 1)
                        }
                        position = end
                        continue
                    }
                }
                switch c {
                case "{", "[": depth += 1; expectingKey = c == "{" && depth == 1
                case "}", "]":
                    depth -= 1
                    if depth == 0 { return nil }
                case ",": expectingKey = depth == 1
                case "\"", "'": position = closingQuote(scalars, from: position)
                case "#" where position == 0 || scalars[position - 1] == " ": position = scalars.count
                default: break
                }
                position += 1
            }
            index += 1
            position = 0
        }
        return nil
    }

    /// The key starting at `start` (plain, or in quotes without escapes) when a `:` follows it,
    /// and the position after the colon.
    private static func keyToken(_ scalars: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var end = start
        var name = ""
        if scalars[start] == "\"" || scalars[start] == "'" {
            end = closingQuote(scalars, from: start)
            guard end < scalars.count else { return nil }
            name = String(String.UnicodeScalarView(scalars[(start + 1)..<end]))
            end += 1
            while end < scalars.count, scalars[end] == " " { end += 1 }
            guard end < scalars.count, scalars[end] == ":" else { return nil }
            return (name, end + 1)
        }
        // A plain key ends at ": ", a colon at the end of the line, or a flow indicator.
        while end < scalars.count {
            let c = scalars[end]
            if c == ":" && (end + 1 == scalars.count || [" ", ",", "}", "]"].contains(scalars[end + 1])) { break }
            if [",", "{", "}", "[", "]"].contains(c) { return nil }
            end += 1
        }
        guard end < scalars.count else { return nil }
        name = String(String.UnicodeScalarView(scalars[start..<end])).trimmingTrailingSpaces
        return (name, end + 1)
    }

    /// The position of the quote closing the one at `start` (a doubled `'` stays inside a
    /// single-quoted string), or the line's end.
    private static func closingQuote(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        let quote = scalars[start]
        var position = start + 1
        while position < scalars.count {
            if quote == "\"" && scalars[position] == "\\" { position += 2; continue }
            if scalars[position] == quote {
                if quote == "'" && position + 1 < scalars.count && scalars[position + 1] == "'" { position += 2; continue }
                return position
            }
            position += 1
        }
        return scalars.count
    }
}

private extension String {
    var trimmingTrailingSpaces: String {
        var result = self
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}
