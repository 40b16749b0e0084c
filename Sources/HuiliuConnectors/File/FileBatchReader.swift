import HuiliuCore
import HuiliuKit
import Logging

/// Reads a file source's files in order, one batch at a time.
struct FileBatchReader: BatchReader {
    let source: FileSource
    var files: [String]
    var resume: FileCheckpoint?
    var current: OpenFile?

    /// One file being read.
    struct OpenFile {
        var path: String
        var display: String
        var window: ByteWindow
        var parser: any RecordParser
        var file: FileInput
    }

    init(source: FileSource, files: [String], checkpoint: FileCheckpoint?) {
        self.source = source
        // Files sorted before the checkpoint's file were finished in earlier runs.
        if let checkpoint, let index = files.firstIndex(of: checkpoint.file) {
            self.files = Array(files[index...])
        } else if let checkpoint {
            self.files = files.filter { $0 > checkpoint.file }
        } else {
            self.files = files
        }
        resume = checkpoint.flatMap { files.contains($0.file) ? $0 : nil }
    }

    mutating func next() async throws -> RecordBatch? {
        var records: [Record] = []
        var rejects: [RecordBatch.Rejected] = []
        records.reserveCapacity(source.batchSize)
        var lastCheckpoint: Checkpoint?
        while records.count + rejects.count < source.batchSize {
            if current == nil {
                guard !files.isEmpty else { break }
                current = try open(files.removeFirst())
                continue
            }
            guard let item = try current!.parser.next(current!.window) else {
                lastCheckpoint = checkpoint(of: current!)
                current = nil
                continue
            }
            let display = current!.display
            switch item {
            case .record(let value, let line):
                var record = Record(data: value, origin: RecordOrigin(display, position: line), type: source.type)
                if let keyPath = source.keyPath {
                    guard let key = value.value(atPath: source.keyComponents), let text = Self.keyText(key) else {
                        rejects.append(.init(origin: record.origin,
                                             reason: "the key field '\(keyPath)' is missing or not a string or number", raw: value))
                        continue
                    }
                    record.key = text
                }
                records.append(record)
            case .rejected(let reason, let raw, let line):
                rejects.append(.init(origin: RecordOrigin(display, position: line), reason: reason, raw: .string(raw)))
            }
        }
        if let current { lastCheckpoint = checkpoint(of: current) }
        if records.isEmpty && rejects.isEmpty && lastCheckpoint == nil { return nil }
        return RecordBatch(records: records, rejects: rejects, checkpoint: lastCheckpoint)
    }

    static func keyText(_ value: Value) -> String? {
        switch value {
        case .string(let s): return s.isEmpty ? nil : s
        case .integer, .decimal: return value.jsonText
        default: return nil
        }
    }

    func checkpoint(of file: OpenFile) -> Checkpoint {
        FileCheckpoint(file: file.path, offset: file.window.position, line: file.parser.line,
                       state: file.parser.checkpointState).checkpoint
    }

    mutating func open(_ path: String) throws -> OpenFile {
        let file = try FileInput(path: path)
        let display = source.display(path)
        let format = try source.resolvedFormat(for: path)
        var offset = 0
        var line = 1
        var state: Value = .null
        if let resume, resume.file == path {
            let size = file.stat().size
            if resume.offset <= size || source.encoding != "utf-8" {
                offset = resume.offset
                line = resume.line
                state = resume.state
            } else {
                source.logger.warning("file is shorter than the checkpoint; reading it again from the start",
                                      metadata: ["file": .string(display), "size": .stringConvertible(size),
                                                 "checkpoint": .stringConvertible(resume.offset)])
            }
        }
        resume = nil

        // Decide the encoding from the start of the file.
        var sample = [UInt8](repeating: 0, count: 64 * 1024)
        let sampled = try sample.withUnsafeMutableBytes { (raw) throws(FileReadError) -> Int in try file.read(into: raw) }
        let hasBOM = sampled >= 3 && sample[0] == 0xEF && sample[1] == 0xBB && sample[2] == 0xBF
        let encoding: TextEncoding
        if source.encoding == "auto" {
            encoding = hasBOM ? .utf8 : sample.withUnsafeBytes {
                TextEncoding.detect(UnsafeRawBufferPointer(rebasing: $0[..<sampled]), isWholeFile: sampled < $0.count)
            }
        } else {
            encoding = TextEncoding(rawValue: source.encoding) ?? .utf8
        }
        try file.seek(to: 0)
        let input: any ByteInput = encoding == .utf8 ? file : try TranscodingInput(file: file, encoding: encoding.iconvName)
        if offset == 0 && hasBOM && encoding == .utf8 { offset = 3 }

        try input.seek(to: offset)
        let window = ByteWindow(input: input, startingAt: offset)
        let resumed = offset > (hasBOM && encoding == .utf8 ? 3 : 0)
        var parser: any RecordParser
        switch format {
        case "csv":
            var csv = CSVParser(delimiter: source.delimiter, header: [], line: line)
            if resumed, let names = state.arrayValue?.compactMap(\.stringValue), !names.isEmpty {
                csv.header = names
            } else {
                try csv.readHeader(window, path: display)
            }
            parser = csv
        case "json":
            parser = JSONArrayParser(resumed: resumed, state: state, line: line, path: display)
        default:
            parser = JSONLinesParser(line: line)
        }
        return OpenFile(path: path, display: display, window: window, parser: parser, file: file)
    }
}
