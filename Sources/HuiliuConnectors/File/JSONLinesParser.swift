import HuiliuCore

/// JSON Lines: one JSON value per line; blank lines are skipped, a malformed line is
/// rejected with its column and reading goes on with the next.
struct JSONLinesParser: RecordParser {
    var line: Int
    var reader = JSONReader()
    /// `encoding: auto` found only ASCII at the start: the first line whose bytes tell decides
    /// the encoding of the rest of the file (``TextEncoding/lateEvidence(_:)``).
    var undecidedEncoding = false
    /// Decided GB18030 that way: lines are converted here, as the reader passes bytes as they are.
    var lateGB18030 = false
    /// The encoding was left to the rows: a line that is not UTF-8 is read as GB18030 whatever was decided.
    var lateFallback = false

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
            var asGB18030 = lateGB18030
            if undecidedEncoding, bytes.contains(where: { $0 >= 0x80 }) {
                // An all-ASCII start left the encoding open: bytes that tell decide for the file.
                switch TextEncoding.lateEvidence(bytes) {
                case .decides(let encoding):
                    undecidedEncoding = false
                    lateGB18030 = encoding != .utf8
                    asGB18030 = lateGB18030
                case .reads(let encoding): asGB18030 = encoding != .utf8
                case .neither: break
                }
            }
            if asGB18030 || (lateFallback && bytes.contains(where: { $0 >= 0x80 }) && String(validating: bytes, as: UTF8.self) == nil),
               bytes.contains(where: { $0 >= 0x80 }) {
                guard let decoded = try? Transcoding.toUTF8(Array(bytes), from: "GB18030") else {
                    return .rejected(reason: "bytes that are not GB18030", raw: String(decoding: bytes, as: UTF8.self), line: number)
                }
                do throws(JSONError) {
                    return .record(try JSONReader.parse(decoded), line: number)
                } catch {
                    return .rejected(reason: "invalid JSON at column \(error.offset + 1): \(error.message)",
                                     raw: String(decoding: decoded, as: UTF8.self), line: number)
                }
            }
            do throws(JSONError) {
                return .record(try reader.parse(bytes), line: number)
            } catch {
                return .rejected(reason: "invalid JSON at column \(error.offset + 1): \(error.message)",
                                 raw: String(decoding: bytes, as: UTF8.self), line: number)
            }
        }
    }
}
