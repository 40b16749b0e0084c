import Foundation
import HuiliuCore

/// CSV per RFC 4180 with a header row: quoted fields may hold delimiters, quotes (`""`)
/// and line breaks; `\r\n` and `\n` both end a record. Each record becomes an object keyed
/// by the header. A record with the wrong number of fields is rejected, not guessed at.
struct CSVParser: RecordParser {
    let delimiter: UInt8
    var header: [String]
    var line: Int

    /// The file's encoding, for messages about bytes that are not of it.
    var encodingName = "UTF-8"
    /// `encoding: auto` found only ASCII at the start: the rows decide (`nil` otherwise).
    var late: LateEncoding?

    init(delimiter: UInt8, header: [String], line: Int) {
        self.delimiter = delimiter
        self.header = header
        self.line = line
    }

    var checkpointState: Value {
        let names = Value.array(header.map { .string($0) })
        guard let decided = late?.decided else { return names }
        return ["header": names, "encoding": .string(decided.rawValue)]
    }

    /// Reads the header row at the start of the file.
    mutating func readHeader(_ window: ByteWindow, path: String) throws {
        guard let fields = try nextFields(window) else {
            throw FileReadError(path: path, message: "the file is empty; expected a header row")
        }
        guard case .success(let names) = fields.result else {
            if case .failure(let error) = fields.result { throw FileReadError(path: path, message: "header row: \(error.reason)") }
            return
        }
        let resolved = HeaderNames.resolve(names.map { $0.trimmingCharacters(in: .whitespaces) })
        if let (name, first, second) = resolved.repeated {
            throw FileReadError(path: path, message: "header has duplicate column '\(name)' (columns \(first) and \(second))")
        }
        header = resolved.names
    }

    mutating func next(_ window: ByteWindow) throws -> ParsedItem? {
        while let fields = try nextFields(window) {
            switch fields.result {
            case .failure(let error):
                return .rejected(reason: error.reason, raw: fields.raw, line: fields.line)
            case .success(let values):
                if fields.count == 1 && values[0].isEmpty { continue }  // blank line
                guard fields.count == header.count else {
                    return .rejected(reason: "expected \(header.count) fields as in the header, found \(fields.count)",
                                     raw: fields.raw, line: fields.line)
                }
                var object = Object(minimumCapacity: header.count)
                for (name, value) in zip(header, values) { object.appendUnchecked(key: name, value: .string(value)) }
                return .record(.object(object), line: fields.line)
            }
        }
        return nil
    }

    struct Fields {
        /// The fields kept: no more than the header has (or ``maximumColumns`` for the header).
        var result: Result<[String], FieldError>
        /// How many fields the record has, kept or not.
        var count: Int
        var raw: String
        var line: Int
    }

    struct FieldError: Error {
        var reason: String
    }

    /// How long a record may grow across lines before an open quote is taken for a stray one.
    /// Generous: a real field that long, spread over lines, would be read as rows after the cut.
    var quotedRecordLimit = 16 << 20

    /// The most columns a header may name, as many as a worksheet has. A row of millions of
    /// delimiters would otherwise become millions of strings (a 60 MB row took 1.4 GB).
    static let maximumColumns = 16_384

    /// Splits the next record into fields, reading more input until the record is complete.
    private mutating func nextFields(_ window: ByteWindow) throws -> Fields? {
        if window.available.isEmpty, !(try window.fill()) { return nil }
        if let fields = scan(window) { return fields }
        // The record runs past the loaded bytes. Its end is found first and the record split
        // once: split again after every read, a long record cost the square of its length
        // (a 60 MB row, 11 s).
        var end = RecordEnd(delimiter: delimiter)
        while true {
            if end.advance(over: window.available), let fields = scan(window) { return fields }
            // A quote never closed (`0,"oops,1`) would make the rest of the file one field, held
            // in memory and dead-lettered whole. Past the limit, the record's first line is
            // rejected and reading goes on at the next.
            if window.available.count > quotedRecordLimit, let cut = end.firstQuotedLineFeed {
                let raw = String(decoding: window.available[..<min(cut, 2000)], as: UTF8.self)
                let number = line
                line += 1
                window.start += cut + 1
                return Fields(result: .failure(FieldError(reason: """
                    a quoted field runs on past \(quotedRecordLimit >> 20 > 0 ? "\(quotedRecordLimit >> 20) MiB" : "\(quotedRecordLimit) bytes") without its closing quote (a stray quote?); \
                    this line is rejected and reading goes on at the next
                    """)), count: 0, raw: raw, line: number)
            }
            // Load more unless the file ended. A last record without a line feed is complete
            // once the end is known: scan it again.
            if !(try window.fill()) {
                if let fields = scan(window) { return fields }
                let raw = window.available
                let number = line
                line += window.countNewlines(window.start, window.start + raw.count) + 1
                window.start += raw.count
                return Fields(result: .failure(FieldError(reason: "the file ends inside a quoted field")), count: 0,
                              raw: String(decoding: raw, as: UTF8.self), line: number)
            }
        }
    }

    /// Parses one record if it is complete in the window; `nil` if more bytes are needed.
    /// `pairing` splits fields reading GB18030 byte pairs whatever is decided: a trial of an
    /// undecided record whose fields do not read.
    private mutating func scan(_ window: ByteWindow, pairing: Bool? = nil) -> Fields? {
        let pairsBytes = pairing ?? (late?.pairsBytes(delimiter) == true)
        let bytes = window.available
        let n = bytes.count
        var fields: [String] = []
        // Fields past those a record can use are counted, not kept: the record is rejected for
        // its count either way.
        let kept = header.isEmpty ? Self.maximumColumns : header.count
        var count = 0
        var i = 0
        var newlines = 0
        var failure: String?
        var field: [UInt8] = []
        // What the record's fields say of a late-decided encoding, decided at its end.
        var chinese = false, notUTF8 = false, flawed = false, wideUTF8 = 0
        var utf8Fields: [(index: Int, bytes: [UInt8])] = []
        fieldLoop: while true {
            field.removeAll(keepingCapacity: true)
            if i < n, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while true {
                    guard i < n else { return nil }
                    let b = bytes[i]
                    if b == UInt8(ascii: "\"") {
                        guard i + 1 < n else { if window.isAtEnd { i += 1; break }; return nil }
                        if bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 2; continue }
                        i += 1
                        break
                    }
                    if b == 0x0A { newlines += 1 }
                    field.append(b)
                    i += 1
                }
                if i < n, bytes[i] != delimiter, bytes[i] != 0x0A, bytes[i] != 0x0D, failure == nil {
                    failure = "unexpected character after the closing quote of field \(count + 1)"
                }
                // Skip to the field's end; the record is rejected if something followed the quote.
                while i < n, bytes[i] != delimiter, bytes[i] != 0x0A { i += 1 }
            } else {
                let start = i
                if pairsBytes {
                    // A GB18030 lead byte takes the next with it: `|` (0x7C) may be a trail byte.
                    while i < n, bytes[i] != delimiter, bytes[i] != 0x0A { i += bytes[i] >= 0x81 && bytes[i] <= 0xFE && i + 1 < n ? 2 : 1 }
                } else {
                    while i < n, bytes[i] != delimiter, bytes[i] != 0x0A { i += 1 }
                }
                var stop = i
                if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
                field.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<stop]))
            }
            let valid: String?
            if let late {
                let read = field.withUnsafeBytes { late.read($0) }
                valid = read.text
                switch read.reading {
                case .utf8(let wide)?:
                    wideUTF8 += wide
                    if count < kept { utf8Fields.append((count, field)) }
                case .gb18030(let isChinese, let wide)?:
                    notUTF8 = true
                    chinese = chinese || isChinese
                    wideUTF8 += wide
                case .flawedUTF8?: flawed = true
                case nil: break
                }
            } else {
                valid = String(validUTF8: field)
            }
            guard let text = valid else {
                let expected = late?.expected ?? encodingName
                if failure == nil { failure = "bytes that are not \(expected) in field \(count + 1)" }
                if count < kept { fields.append("") }
                count += 1
                if i >= n && !window.isAtEnd { return nil }
                if i < n, bytes[i] == delimiter { i += 1; continue fieldLoop }
                break fieldLoop
            }
            if count < kept { fields.append(text) }
            count += 1
            guard i < n else {
                if !window.isAtEnd { return nil }
                break fieldLoop
            }
            if bytes[i] == delimiter {
                i += 1
                continue
            }
            // bytes[i] is the record's line feed.
            break fieldLoop
        }
        // Undecided, a record whose fields do not read may be GB18030 split at a trail byte that
        // is the delimiter (`東` is 96 7C): split in pairs, it decides if it then reads.
        if pairing == nil, !pairsBytes, late?.decided == nil, (0x40...0x7E).contains(delimiter), failure != nil || flawed {
            var trial = self
            trial.late?.decided = .gb18030
            let start = window.start
            if let fields = trial.scan(window, pairing: true), case .success = fields.result {
                self = trial
                return fields
            }
            window.start = start
        }
        if late?.decide(chinese: chinese, notUTF8: notUTF8, flawed: flawed, wideUTF8: wideUTF8) == true {
            // Decided GB18030 by this record, split as UTF-8: split again if a trail byte could be the delimiter.
            if !pairsBytes && late?.pairsBytes(delimiter) == true { return scan(window) }
            // A field not UTF-8 makes the row GB18030: its fields that happened to be valid UTF-8 are too.
            for (index, bytes) in utf8Fields { if let text = LateEncoding.gb18030(bytes) { fields[index] = text } }
        }
        let rawEnd = i < n ? i : n
        var rawStop = rawEnd
        if rawStop > 0, bytes[rawStop - 1] == 0x0D { rawStop -= 1 }
        // The raw text is only needed for a rejected record: a fault found here, or a field
        // count that differs from the header's.
        if header.isEmpty, count > kept, failure == nil {
            failure = "\(count) fields, more than the \(kept) columns a file may have"
        }
        let needsRaw = failure != nil || (!header.isEmpty && count != header.count)
        let raw = needsRaw ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<rawStop]), as: UTF8.self) : ""
        let number = line
        line += newlines + 1
        window.start += i < n ? i + 1 : n
        return Fields(result: failure.map { .failure(FieldError(reason: $0)) } ?? .success(fields), count: count, raw: raw, line: number)
    }
}

/// Finds where a CSV record ends (its line feed outside quotes) without splitting it into
/// fields, resuming where it stopped as more bytes arrive. Quotes count as ``CSVParser`` counts
/// them: only at a field's start do they open a quoted field.
struct RecordEnd {
    let delimiter: UInt8
    private var state = State.fieldStart
    /// Bytes of the record already examined.
    private var scanned = 0

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterQuoted }
    /// Where the first line feed inside quotes is, if any: where a stray quote's record is cut,
    /// found as the bytes go by rather than searched for again after every read.
    private(set) var firstQuotedLineFeed: Int?

    init(delimiter: UInt8) { self.delimiter = delimiter }

    /// Examines the record's bytes past those seen before; true once its line feed is among them.
    mutating func advance(over bytes: UnsafeRawBufferPointer) -> Bool {
        let quote = UInt8(ascii: "\"")
        var i = scanned
        defer { scanned = i }
        while i < bytes.count {
            let b = bytes[i]
            switch state {
            case .fieldStart, .unquoted, .afterQuoted:
                if b == 0x0A { return true }
                if b == delimiter { state = .fieldStart } else if state == .fieldStart { state = b == quote ? .quoted : .unquoted }
            case .quoted:
                if b == quote { state = .quoteInQuoted } else if b == 0x0A, firstQuotedLineFeed == nil { firstQuotedLineFeed = i }
            case .quoteInQuoted:
                if b == quote { state = .quoted } else { state = .afterQuoted; continue }
            }
            i += 1
        }
        return false
    }
}
