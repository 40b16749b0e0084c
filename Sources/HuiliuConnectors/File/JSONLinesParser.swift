import HuiliuCore

/// JSON Lines: one JSON value per line; blank lines are skipped, a malformed line is
/// rejected with its column and reading goes on with the next.
struct JSONLinesParser: RecordParser {
    var line: Int
    var reader = JSONReader()
    /// `encoding: auto` found only ASCII at the start: a line that is not UTF-8 is read as GB18030.
    var undecidedEncoding = false

    init(line: Int) {
        self.line = line
    }

    var checkpointState: Value { .null }

    mutating func next(_ window: ByteWindow) throws -> ParsedItem? {
        while true {
            var newline = window.index(of: 0x0A, from: window.start)
            while newline == nil, try window.fill() {
                newline = window.index(of: 0x0A, from: window.start)
            }
            let lineStart = window.start
            let lineEnd: Int
            if let newline {
                lineEnd = newline
                window.start = newline + 1
            } else {
                // The last line has no newline, or nothing is left.
                let remaining = window.available.count
                guard remaining > 0 else { return nil }
                lineEnd = lineStart + remaining
                window.start = lineEnd
            }
            let number = line
            line += 1
            var contentEnd = lineEnd
            if contentEnd > lineStart, window.slice(contentEnd - 1, contentEnd)[0] == 0x0D { contentEnd -= 1 }
            let bytes = window.slice(lineStart, contentEnd)
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do throws(JSONError) {
                return .record(try reader.parse(bytes), line: number)
            } catch {
                if undecidedEncoding, String(validating: bytes, as: UTF8.self) == nil,
                   let decoded = try? Transcoding.toUTF8(Array(bytes), from: "GB18030"),
                   let value = try? JSONReader.parse(decoded) {
                    // An all-ASCII start left the encoding open; this line is GB18030.
                    return .record(value, line: number)
                }
                return .rejected(reason: "invalid JSON at column \(error.offset + 1): \(error.message)",
                                 raw: String(decoding: bytes, as: UTF8.self), line: number)
            }
        }
    }
}
