import HuiliuCore
import Logging

/// Opens a CSV, JSON or JSON Lines file for reading records: detects the encoding (UTF-8
/// or GB18030), skips a byte-order mark, seeks to a saved offset and restores the parser's
/// state there. Shared by the `file` source and manifest file streams.
struct FileOpener {

    /// `auto`, `utf-8`, `gb18030` or `gbk`.
    let encoding: String
    /// The CSV field separator.
    let delimiter: UInt8
    let logger: Logger

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

        let resumed = offset > (hasBOM && detected == .utf8 ? 3 : 0)
        let window: ByteWindow
        if resumed, let tail = resume?.tail, tail.bytes <= offset {
            // The bytes before the checkpoint must still be the ones read: a file edited rather
            // than appended to (a rejected row fixed in place) would otherwise be read from the
            // middle of some other line, and its fixed row never.
            let unchanged: Bool
            window = ByteWindow(input: input, startingAt: offset - tail.bytes)
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
            window = ByteWindow(input: input, startingAt: offset)
        }
        // Only ASCII in the sample reads the same as UTF-8 and GB18030: decided by later bytes.
        let undecided = encoding == "auto" && detected == .utf8 && !hasBOM && sample[..<sampled].allSatisfy { $0 < 0x80 }
        var parser: any RecordParser
        switch format {
        case "csv":
            var csv = CSVParser(delimiter: delimiter, header: [], line: line)
            csv.encodingName = detected == .utf8 ? "UTF-8" : "GB18030"
            csv.undecidedEncoding = undecided
            if resumed, let names = state.arrayValue?.compactMap(\.stringValue), !names.isEmpty {
                csv.header = names
            } else if sampled == 0 {
                // Nothing yet (a daily file created before its rows are written): no records, and
                // the files after it are still read.
                logger.warning("empty file; no header row yet, so nothing to read", metadata: ["file": .string(display)])
            } else {
                try csv.readHeader(window, path: display)
            }
            parser = csv
        case "json":
            parser = JSONArrayParser(resumed: resumed, state: state, line: line, path: display)
        default:
            var lines = JSONLinesParser(line: line)
            lines.undecidedEncoding = undecided
            parser = lines
        }
        return FileBatchReader.OpenFile(path: path, display: display, window: window, parser: parser, file: file)
    }
}
