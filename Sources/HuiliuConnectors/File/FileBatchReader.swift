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
                // Steps read records' fields: a list or a bare value is a mistake in the file, said here
                // rather than as a key expression giving null three steps on.
                guard case .object = value else {
                    rejects.append(.init(origin: record.origin, reason: "a record is a JSON object; this is \(value.typeName)", raw: value))
                    continue
                }
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
                       state: file.parser.checkpointState, tail: FileCheckpoint.tail(of: file.window.recent)).checkpoint
    }

    mutating func open(_ path: String) throws -> OpenFile {
        let display = source.display(path)
        let format = try source.resolvedFormat(for: path)
        let saved = resume.flatMap { $0.file == path ? $0 : nil }
        resume = nil
        let opener = FileOpener(encoding: source.encoding, delimiter: source.delimiter, logger: source.logger)
        return try opener.open(path, display: display, format: format, resume: saved)
    }
}
