/// Finds where a key repeats in a YAML mapping. libyaml (through Yams) reports only the
/// duplicate keys' names and where the first of them (in sorted order) first appears; an
/// error should point at the repeat.
struct YAMLDuplicateKey {
    private let scalars: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" { lineStarts.append(offset + 1) }
    }

    /// The 1-based line and column where `key`, first given at `line`:`column`, is given
    /// again in the same mapping; nil when the text does not show it plainly.
    func repeatOf(_ key: String, firstAt line: Int, column: Int) -> (line: Int, column: Int)? {
        guard line >= 1, line <= lineStarts.count else { return nil }
        let first = lineStarts[line - 1] + column - 1
        guard first < scalars.count, let (name, end) = keyToken(at: first), name == key else { return nil }
        let found = isInFlowMapping(first) ? flowRepeat(of: key, after: end) : blockRepeat(of: key, indent: column - 1, after: first)
        return found.map(place)
    }

    /// The text with the repeat of `key` (first given at `line`:`column`) renamed, so the rest
    /// of the file can be read, and the new name; nil when the repeat cannot be found.
    ///
    /// The new name takes exactly the room of the old (quotes kept), in characters of Unicode's
    /// private use area that no configuration spells, so every later mark on the line stays
    /// where it was and the key stays valid wherever it stood. The first character, U+E000 plus
    /// `number`, keeps the names apart.
    func renamingRepeat(of key: String, firstAt line: Int, column: Int, number: Int) -> (text: String, name: String)? {
        guard let repeated = repeatOf(key, firstAt: line, column: column) else { return nil }
        let start = lineStarts[repeated.line - 1] + repeated.column - 1
        guard let (_, afterColon) = keyToken(at: start) else { return nil }
        var end = afterColon - 1
        while end > start, isBlank(scalars[end - 1]) { end -= 1 }
        let quoted = scalars[start] == "\"" || scalars[start] == "'"
        let room = end - start - (quoted ? 2 : 0)
        guard room >= 1, number < 6400, let first = Unicode.Scalar(0xE000 + number), let fill = Unicode.Scalar(0xF8FF) else { return nil }
        var name = String.UnicodeScalarView()
        name.append(first)
        name.append(contentsOf: repeatElement(fill, count: room - 1))
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[..<start])
        if quoted { text.append("\"") }
        text.append(contentsOf: name)
        if quoted { text.append("\"") }
        text.append(contentsOf: scalars[end...])
        return (String(text), String(name))
    }

    private func place(_ offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return (low + 1, offset - lineStarts[low] + 1)
    }

    private func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" }

    /// Whether an unclosed `{` comes before `offset` (quotes aside, as flow keys are short).
    private func isInFlowMapping(_ offset: Int) -> Bool {
        var depth = 0
        var index = offset - 1
        while index >= 0 {
            switch scalars[index] {
            case "}", "]": depth += 1
            case "[": if depth == 0 { return false } else { depth -= 1 }
            case "{": if depth == 0 { return true } else { depth -= 1 }
            case "\n":
                // A block line at the left margin ends the search.
                if index + 1 < scalars.count, !isBlank(scalars[index + 1]), scalars[index + 1] != "\n", depth == 0,
                   index + 1 < offset, scalars[index + 1] != "}" && scalars[index + 1] != "]" && scalars[index + 1] != "," {
                    return false
                }
            default: break
            }
            index -= 1
        }
        return false
    }

    /// Block keys start at the mapping's indentation on later lines, until a line with
    /// content starts left of it; lines inside quoted text spanning lines are skipped.
    private func blockRepeat(of key: String, indent: Int, after first: Int) -> Int? {
        var index = first
        var quote: Unicode.Scalar?
        var atLineStart = false
        while index < scalars.count {
            if atLineStart && quote == nil {
                atLineStart = false
                var start = index
                while start < scalars.count, scalars[start] == " " { start += 1 }
                let column = start - index
                if start < scalars.count, scalars[start] != "\n", scalars[start] != "\r", scalars[start] != "#" {
                    if column < indent { return nil }
                    if column == indent, let (name, _) = keyToken(at: start), name == key { return start }
                }
                index = start
                continue
            }
            let c = scalars[index]
            if c == "\n" {
                atLineStart = true
            } else if let open = quote {
                if open == "\"" && c == "\\" { index += 1 } else if c == open {
                    if open == "'" && index + 1 < scalars.count && scalars[index + 1] == "'" { index += 1 } else { quote = nil }
                }
            } else if (c == "\"" || c == "'") && startsValue(index) {
                quote = c
            } else if c == "#" && (index == 0 || isBlank(scalars[index - 1])) {
                while index + 1 < scalars.count, scalars[index + 1] != "\n" { index += 1 }
            }
            index += 1
        }
        return nil
    }

    /// Flow keys follow the commas at the mapping's own nesting level.
    private func flowRepeat(of key: String, after start: Int) -> Int? {
        var depth = 1
        var quote: Unicode.Scalar?
        var index = start
        while index < scalars.count {
            let c = scalars[index]
            if let open = quote {
                if open == "\"" && c == "\\" { index += 1 } else if c == open {
                    if open == "'" && index + 1 < scalars.count && scalars[index + 1] == "'" { index += 1 } else { quote = nil }
                }
            } else {
                switch c {
                case "\"", "'": quote = c
                case "{", "[": depth += 1
                case "}", "]":
                    depth -= 1
                    if depth == 0 { return nil }
                case "#" where index == 0 || isBlank(scalars[index - 1]) || scalars[index - 1] == "\n":
                    while index + 1 < scalars.count, scalars[index + 1] != "\n" { index += 1 }
                case "," where depth == 1:
                    var next = index + 1
                    while next < scalars.count, isBlank(scalars[next]) || scalars[next] == "\n" { next += 1 }
                    if next < scalars.count, let (name, _) = keyToken(at: next), name == key { return next }
                default: break
                }
            }
            index += 1
        }
        return nil
    }

    /// Whether a quote at `index` opens a quoted scalar (rather than sitting in plain text, as
    /// in `it's`): it follows the start of the line, a blank, or an indicator.
    private func startsValue(_ index: Int) -> Bool {
        guard index > 0 else { return true }
        let before = scalars[index - 1]
        return isBlank(before) || before == "\n" || before == ":" || before == "[" || before == "{" || before == "," || before == "-"
    }

    /// The key starting at `start` (plain, or quoted without escapes) when a `:` follows it,
    /// and the offset after the colon.
    private func keyToken(at start: Int) -> (String, Int)? {
        guard start < scalars.count else { return nil }
        var end = start
        if scalars[start] == "\"" || scalars[start] == "'" {
            let quote = scalars[start]
            end += 1
            while end < scalars.count, scalars[end] != quote, scalars[end] != "\n" {
                if scalars[end] == "\\" && quote == "\"" { return nil }
                end += 1
            }
            guard end < scalars.count, scalars[end] == quote else { return nil }
            let name = String(String.UnicodeScalarView(scalars[(start + 1)..<end]))
            end += 1
            while end < scalars.count, isBlank(scalars[end]) { end += 1 }
            guard end < scalars.count, scalars[end] == ":" else { return nil }
            return (name, end + 1)
        }
        // A plain key ends at a colon followed by a blank, a line end or a flow indicator.
        while end < scalars.count {
            let c = scalars[end]
            if c == "\n" { return nil }
            if c == ":" && (end + 1 == scalars.count || isBlank(scalars[end + 1]) || "\n,}]".unicodeScalars.contains(scalars[end + 1])) { break }
            if c == "," || c == "{" || c == "}" || c == "[" || c == "]" { return nil }
            end += 1
        }
        guard end < scalars.count else { return nil }
        var last = end
        while last > start, isBlank(scalars[last - 1]) { last -= 1 }
        return (String(String.UnicodeScalarView(scalars[start..<last])), end + 1)
    }
}
