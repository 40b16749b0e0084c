import HuiliuCore

/// JSON Lines: one JSON value per line; blank lines are skipped, a malformed line is
/// rejected with its column and reading goes on with the next.
struct JSONLinesParser: RecordParser {
    var line: Int
    var reader = JSONReader()
    /// `encoding: auto` found only ASCII at the start: the lines decide (`nil` otherwise).
    var late: LateEncoding?
    /// The longest line taken: a longer one is rejected and skipped as it is read, never held whole.
    var maximumLine = 64 << 20

    init(line: Int) {
        self.line = line
    }

    var checkpointState: Value { late?.decided.map { ["encoding": .string($0.rawValue)] } ?? .null }

    mutating func next(_ window: ByteWindow) throws -> ParsedItem? {
        while true {
            var newline = window.index(of: 0x0A, from: window.start)
            while newline == nil, try window.fill() {
                newline = window.index(of: 0x0A, from: window.start)
                if newline == nil && window.available.count > maximumLine { return try skipLongLine(window) }
            }
            if (newline.map { $0 - window.start } ?? window.available.count) > maximumLine { return try skipLongLine(window) }
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
            if late != nil, late?.decided != .utf8, bytes.contains(where: { $0 >= 0x80 }) {
                return lateDecoded(bytes, line: number)
            }
            do throws(JSONError) {
                return .record(try reader.parse(bytes), line: number)
            } catch {
                return .rejected(reason: "invalid JSON at column \(error.offset + 1): \(error.message)",
                                 raw: String(decoding: bytes, as: UTF8.self), line: number)
            }
        }
    }

    /// Rejects the line at the window's start, longer than ``maximumLine``, reading on to its
    /// end without keeping it: a multi-gigabyte line would otherwise be held whole.
    private mutating func skipLongLine(_ window: ByteWindow) throws -> ParsedItem {
        let number = line
        line += 1
        var excerpt = String(decoding: window.available.prefix(4096), as: UTF8.self)
        // A character cut at the 4 KiB mark decodes as a replacement character: not kept.
        if excerpt.unicodeScalars.last == "\u{FFFD}" { excerpt.unicodeScalars.removeLast() }
        var length = 0
        while true {
            if let newline = window.index(of: 0x0A, from: window.start) {
                length += newline - window.start
                window.start = newline + 1
                break
            }
            length += window.available.count
            window.start += window.available.count
            guard try window.fill() else { break }
        }
        return .rejected(reason: "a line of \(length) bytes, longer than max_record_bytes (\(maximumLine)): skipped, its first 4 KiB kept here",
                         raw: excerpt, line: number)
    }

    /// A line of a file whose encoding its lines decide, with bytes that are not ASCII.
    private mutating func lateDecoded(_ bytes: UnsafeRawBufferPointer, line number: Int) -> ParsedItem {
        let (read, reading) = late?.read(bytes) ?? (nil, nil)
        switch reading {
        case .utf8(let wide)?: _ = late?.decide(chinese: false, notUTF8: false, flawed: false, wideUTF8: wide)
        case .gb18030(let chinese, let wide)?: _ = late?.decide(chinese: chinese, notUTF8: true, flawed: false, wideUTF8: wide)
        case .flawedUTF8?, nil: break
        }
        guard let text = read else {
            return .rejected(reason: "bytes that are not \(late?.expected ?? "UTF-8")", raw: String(decoding: bytes, as: UTF8.self), line: number)
        }
        do throws(JSONError) {
            return .record(try JSONReader.parse(Array(text.utf8)), line: number)
        } catch {
            return .rejected(reason: "invalid JSON at column \(error.offset + 1): \(error.message)", raw: text, line: number)
        }
    }
}
