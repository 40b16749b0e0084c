public import HuiliuCore
import Foundation

extension SourceLocation {
    /// Where the Unicode scalar at `offset` of a YAML scalar's `value` is in the file, when
    /// `self` is where the value's text starts (inside its quote, or after a block's `|` or `>`).
    ///
    /// A value is its source text only when written plainly on one line; a block, folded lines,
    /// `''` and escapes move its characters. So the value's scalars are matched in order to the
    /// file's, stepping over what the value lacks (indentation, line breaks, quotes, escape
    /// backslashes, block indicators), a folded line break standing for a space. Where that
    /// fails (a `\u` escape, a comment), the column is counted as on one line.
    public func locating(offset: Int, in value: String) -> SourceLocation {
        let counted = SourceLocation(file: file, line: line, column: column + offset)
        let wanted = Array(value.unicodeScalars)
        // Past the end of a block's value is just after its last visible character, not after
        // the line break that ends the block.
        if offset >= wanted.count, let last = wanted.lastIndex(where: { $0 != "\n" && $0 != " " }), last < wanted.count - 1 {
            return locating(offset: last + 1, in: String(String.UnicodeScalarView(wanted[...last])))
        }
        guard !wanted.isEmpty, line >= 1, column >= 1, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return counted }
        // Split on scalars: "\r\n" is one Character, so splitting the String would not split a CRLF file.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(line - 1).makeIterator()
        guard var current = lines.next().map({ Array($0) }) else { return counted }
        var row = line, col = column - 1
        let skippable: Set<Unicode.Scalar> = [" ", "\t", "\r", "\\", "\"", "'", "|", ">", "-", "+"]
        var found = self
        for index in 0...min(offset, wanted.count - 1) {
            let scalar = wanted[index]
            while true {
                if col >= current.count {
                    // The end of a line: a newline of the value, a space of a folded one, or skipped.
                    if scalar == "\n" || scalar == " " { break }
                    guard let next = lines.next() else { return counted }
                    current = Array(next)
                    row += 1
                    col = 0
                    continue
                }
                if current[col] == scalar { break }
                guard skippable.contains(current[col]) else { return counted }
                col += 1
            }
            found = SourceLocation(file: file, line: row, column: col + 1)
            if col >= current.count {
                guard let next = lines.next() else { return offset > index ? counted : found }
                current = Array(next)
                row += 1
                col = 0
            } else {
                col += 1
            }
        }
        // Just past the end of the value: after its last scalar.
        return offset >= wanted.count ? SourceLocation(file: file, line: found.line, column: found.column + 1) : found
    }
}
