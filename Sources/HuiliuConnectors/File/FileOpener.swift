import CZlib
import HuiliuCore
import Logging

/// Opens a CSV, JSON or JSON Lines file for reading records: detects the encoding (UTF-8
/// or GB18030), skips a byte-order mark, seeks to a saved offset and restores the parser's
/// state there. Shared by the `file` source and manifest file streams.
struct FileOpener {
    /// Files whose read part is larger are checked for edits by the bytes before the
    /// checkpoint only (a CRC of gigabytes on every run would cost more than it guards).
    static let verifiedPrefix = 1 << 30
    /// The most bytes of a file read into one batch: past them the batch ends, fewer records
    /// than its size, so large records do not pile up in memory.
    static let maximumBatchBytes = 64 << 20

    /// `auto`, `utf-8`, `gb18030` or `gbk`.
    let encoding: String
    /// The CSV field separator.
    let delimiter: UInt8
    let logger: Logger
    /// The longest JSON Lines line taken.
    var maximumRecordBytes = 64 << 20
    /// The keys leading to the records' array in a JSON document; none when it is the array.
    var selector: [String] = []

    func open(_ path: String, display: String, format: String, resume: FileCheckpoint?) throws -> FileBatchReader.OpenFile {
        let file = try FileInput(path: path)
        var offset = 0
        var line = 1
        var state: Value = .null
        if let resume {
            let size = file.stat().size
            if resume.offset <= size || encoding != "utf-8" {
                offset = resume.offset
                line = resume.line
                state = resume.state
            } else {
                logger.warning("file is shorter than the checkpoint; reading it again from the start",
                               metadata: ["file": .string(display), "size": .stringConvertible(size),
                                          "checkpoint": .stringConvertible(resume.offset)])
            }
        }

        // Decide the encoding from the start of the file.
        var sample = [UInt8](repeating: 0, count: 64 * 1024)
        let sampled = try sample.withUnsafeMutableBytes { (raw) throws(FileReadError) -> Int in try file.read(into: raw) }
        let hasBOM = sampled >= 3 && sample[0] == 0xEF && sample[1] == 0xBB && sample[2] == 0xBF
        if sampled >= 2 && ((sample[0] == 0xFF && sample[1] == 0xFE) || (sample[0] == 0xFE && sample[1] == 0xFF)) {
            throw FileReadError(path: display, message: "the file is UTF-16 text (Excel's \"Unicode text\" export), which is not read: save it as \"CSV UTF-8\" or GB18030")
        }
        let detected: TextEncoding
        if encoding == "auto" {
            detected = hasBOM ? .utf8 : sample.withUnsafeBytes {
                TextEncoding.detect(UnsafeRawBufferPointer(rebasing: $0[..<sampled]), isWholeFile: sampled < $0.count)
            }
        } else {
            detected = TextEncoding(rawValue: encoding) ?? .utf8
        }
        try file.seek(to: 0)
        let input: any ByteInput = detected == .utf8 ? file : try TranscodingInput(file: file, encoding: detected.iconvName)
        if offset == 0 && hasBOM && detected == .utf8 { offset = 3 }

        let first = hasBOM && detected == .utf8 ? 3 : 0
        let resumed = offset > first
        // A limit below the usual 1 MiB read holds the window to it, so the first read does not
        // take a longer record whole (JSON Lines skips long lines itself).
        let capacity = format == "jsonl" ? 1 << 20 : min(1 << 20, max(maximumRecordBytes, 1024))
        let window: ByteWindow
        if resumed, let resume, let expected = resume.prefixCRC, resume.stamp != FileCheckpoint.stamp(path),
           offset - first <= Self.verifiedPrefix {
            // Changed since: appended to, or edited before the checkpoint? Only every byte read tells.
            // Read through an input of its own: a decoded stream cannot seek back.
            let fresh = try FileInput(path: path)
            let verifying: any ByteInput = detected == .utf8 ? fresh : try TranscodingInput(file: fresh, encoding: detected.iconvName)
            guard try Self.crc(of: verifying, from: first, to: offset) == expected else {
                logger.warning("file changed before the checkpoint, not only appended to; reading it again from the start",
                               metadata: ["file": .string(display), "checkpoint": .stringConvertible(offset)])
                return try open(path, display: display, format: format, resume: nil)
            }
        }
        // The CRC goes on from the checkpoint's, when it has one.
        let crc: UInt32? = resumed ? resume?.prefixCRC : 0
        if resumed, let tail = resume?.tail, tail.bytes <= offset {
            // The bytes before the checkpoint must still be the ones read: a file edited rather
            // than appended to (a rejected row fixed in place) would otherwise be read from the
            // middle of some other line, and its fixed row never.
            let unchanged: Bool
            window = ByteWindow(input: input, startingAt: offset - tail.bytes, capacity: capacity, crc: crc, crcThrough: offset)
            do {
                try input.seek(to: offset - tail.bytes)
                while window.available.count < tail.bytes, try window.fill() {}
                let read = UnsafeRawBufferPointer(rebasing: window.available.prefix(tail.bytes))
                unchanged = read.count == tail.bytes && Digest.hexString(Digest.sha256.hash(read)) == tail.sha256
            } catch {
                // Bytes that no longer decode where they did are a change too.
                unchanged = false
            }
            guard unchanged else {
                logger.warning("file changed before the checkpoint, not only appended to; reading it again from the start",
                               metadata: ["file": .string(display), "checkpoint": .stringConvertible(offset)])
                return try open(path, display: display, format: format, resume: nil)
            }
            window.start += tail.bytes
        } else {
            try input.seek(to: offset)
            window = ByteWindow(input: input, startingAt: offset, capacity: capacity, crc: crc)
        }
        // Only ASCII in the sample reads the same as UTF-8 and GB18030: decided by later bytes.
        var late: LateEncoding?
        // The sample may end inside the first character that is not ASCII: those bytes say nothing yet.
        var told = sampled
        if sampled == sample.count { while told > 0, told > sampled - 3, sample[told - 1] >= 0x80 { told -= 1 } }
        if encoding == "auto" && detected == .utf8 && !hasBOM && sample[..<told].allSatisfy({ $0 < 0x80 }) {
            late = LateEncoding(decided: resumed ? state["encoding"]?.stringValue.flatMap(TextEncoding.init(rawValue:)) : nil)
        }
        var parser: any RecordParser
        switch format {
        case "csv":
            var csv = CSVParser(delimiter: delimiter, header: [], line: line)
            csv.encodingName = detected == .utf8 ? "UTF-8" : "GB18030"
            csv.late = late
            if resumed, let names = (state.arrayValue ?? state["header"]?.arrayValue)?.compactMap(\.stringValue), !names.isEmpty {
                csv.header = names
            } else if sampled == 0 || (hasBOM && sampled == 3) {
                // Nothing yet (a daily file created before its rows are written, or Excel's empty
                // "CSV UTF-8", a byte-order mark alone): no records, and the files after it are still read.
                logger.warning("empty file; no header row yet, so nothing to read", metadata: ["file": .string(display)])
            } else {
                try csv.readHeader(window, path: display)
            }
            parser = csv
        case "json":
            parser = JSONArrayParser(resumed: resumed, state: state, line: line, path: display, selector: selector)
        default:
            var lines = JSONLinesParser(line: line)
            lines.late = late
            lines.maximumLine = maximumRecordBytes
            parser = lines
        }
        // JSON Lines skips a line past the limit as it reads it; a CSV row or a JSON value cannot
        // be stepped over, and is refused there rather than held whatever its size.
        if format != "jsonl" {
            window.maximumHeld = maximumRecordBytes
            window.display = display
        }
        window.isTranscoded = detected != .utf8
        return FileBatchReader.OpenFile(path: path, display: display, window: window, parser: parser, file: file)
    }

    /// The CRC-32 of `input`'s bytes from `from` to `to`, `nil` if it ends before; leaves `input` anywhere.
    static func crc(of input: any ByteInput, from: Int, to: Int) throws(FileReadError) -> UInt32? {
        try input.seek(to: from)
        var crc = CZlib.crc32(0, nil, 0)
        var remaining = to - from
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while remaining > 0 {
            let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remaining)]))
            if n == 0 { break }
            crc = CZlib.crc32(crc, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(n))
            remaining -= n
        }
        return remaining == 0 ? UInt32(truncatingIfNeeded: crc) : nil
    }
}
