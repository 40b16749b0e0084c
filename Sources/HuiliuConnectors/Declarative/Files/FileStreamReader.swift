import Foundation
import HuiliuTransport
import HuiliuCore
import HuiliuKit
import HuiliuExpression
import Logging

/// Reads a file stream: the files matching the pattern, in name order, skipping those
/// already processed (remembered by name with size, modification time and SHA-256, so a
/// touched but unchanged file is not read again and a rewritten one is). A checkpoint
/// inside a file holds its byte offset, so an interrupted run resumes mid-file.
final class FileStreamReader: BatchReader {
    let source: DeclarativeSource
    let definition: FileStreamDefinition
    let location: FileLocation
    let scratch: String
    private let scratchLock: FileLock?
    private var state: PartitionedCheckpoint
    private var entries: [FileEntry]?
    private var current: Current?
    /// Remembered file details changed without a batch to carry them (a touched, unchanged file).
    private var unsaved = false

    /// The file being read.
    private struct Current {
        var entry: FileEntry
        var path: String
        var digest: String
        var reader: Reader
    }

    private enum Reader {
        case text(FileBatchReader.OpenFile)
        case rows([(line: Int, value: Value)], next: Int)
        case sheet(XLSXSheet, next: Int)
    }

    /// A reader of the files `definition` names; `listed` (from `location`) spares listing them again.
    init(source: DeclarativeSource, definition: FileStreamDefinition, checkpoint: Checkpoint?,
         location: FileLocation? = nil, listed: [FileEntry]? = nil) throws {
        self.source = source
        self.definition = definition
        self.location = try location ?? source.fileLocation(definition)
        entries = listed
        let folder = source.context.dataDirectory + "/tmp"
        Self.removeLeftovers(in: folder)
        scratch = folder + "/\(source.manifest.name)-\(source.stream.name)-\(UInt32.random(in: 0...UInt32.max))"
        // Held while the folder is in use, taken before it exists: a reader in another process
        // (another container, whose process ids this one cannot see) leaves it alone.
        scratchLock = try FileLock(path: scratch + ".lock")
        state = PartitionedCheckpoint(checkpoint, stream: source.stream.name) ?? PartitionedCheckpoint(stream: source.stream.name)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.removeItem(atPath: scratch + ".lock")
    }

    /// Removes the download folders no reader holds the lock of: one killed (SIGKILL, out of
    /// memory) left its copies of upstream files, personal data among them, for ever.
    static func removeLeftovers(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !name.hasSuffix(".lock") {
            let lock = folder + "/" + name + ".lock"
            guard !FileLock.isHeld(path: lock) else { continue }
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
            try? FileManager.default.removeItem(atPath: lock)
        }
    }

    func next() async throws -> RecordBatch? {
        do {
            return try await nextBatch()
        } catch let error as TransportError {
            // Named as an HTTP stream's failures are: which connector and stream could not list or fetch.
            throw ManifestRuntimeError("\(source.manifest.name)/\(source.stream.name): \(error)")
        }
    }

    private func nextBatch() async throws -> RecordBatch? {
        if entries == nil { entries = try await location.list() }
        while true {
            if current == nil {
                guard let entry = entries?.first else {
                    guard unsaved else { return nil }
                    unsaved = false
                    return RecordBatch(records: [], checkpoint: state.checkpoint)
                }
                entries?.removeFirst()
                guard let opened = try await open(entry) else { continue }
                current = opened
            }
            return try await read()
        }
    }

    /// Opens `entry` unless it was already processed unchanged.
    private func open(_ entry: FileEntry) async throws -> Current? {
        let known = state.cursors[entry.name]
        if let known, known["size"]?.intValue == entry.size.map(Int.init), known["mtime"]?.intValue == entry.modified.map(Int.init),
           Self.settled(known, granularity: location.isRemote ? 60 : 1) {
            return nil
        }
        let path = try await location.localPath(of: entry, scratch: scratch)
        let digest = try Self.sha256(path)
        if known?["sha256"]?.stringValue == digest {
            // Touched, not changed: remember the new size and time, read nothing.
            state.cursors[entry.name] = Self.remembered(entry, digest, seen: Int(source.context.clock() / 1000))
            unsaved = true
            if location.isRemote { try? FileManager.default.removeItem(atPath: path) }
            return nil
        }
        let format = try Self.format(of: entry.name, declared: definition.format)
        let display = entry.name
        if format == "xlsx" {
            // The workbook's compressed bytes are held; its sheet inflates as it is read.
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let sheet = try XLSXSheet(bytes, sheet: try definition.sheet?.string(.object(source.baseContext)), file: display)
            for warning in sheet.warnings { source.context.logger.warning("\(warning)", metadata: ["file": .string(display)]) }
            // An interrupted run of this sheet resumes after the rows it delivered.
            var row = 0
            if let saved = state.current, saved["file"]?.stringValue == entry.name, saved["sha256"]?.stringValue == digest,
               saved["sheet"]?.stringValue ?? sheet.name == sheet.name, let delivered = saved["row"]?.intValue {
                while row < delivered, try sheet.next() != nil { row += 1 }
            }
            return Current(entry: entry, path: path, digest: digest, reader: .sheet(sheet, next: row))
        }
        // A selector that is a path of keys (`data.items`) is walked as the file streams; any
        // other is evaluated on the whole document.
        let records = format == "json" ? source.stream.records : nil
        if let records, records.fieldPath == nil {
            let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let bytes = try TextEncoding.utf8(raw, declared: definition.encoding)
            var document = Value.null
            // An empty file (created before it is written) holds no records yet, as elsewhere.
            if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                do { document = try JSONReader.parse(bytes) } catch {
                    // Counted in the file: past a byte-order mark; in its UTF-8 text when it was GBK.
                    let mark = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
                    let place = bytes.count + mark == raw.count ? "byte \(error.offset + mark)" : "byte \(error.offset) of its UTF-8 text"
                    throw ManifestRuntimeError("\(display): invalid JSON at \(place): \(error.message)")
                }
            }
            let selected = try records.evaluate(document)
            let items = selected.arrayValue ?? (selected.isNull ? [] : [selected])
            return Current(entry: entry, path: path, digest: digest,
                           reader: .rows(items.enumerated().map { ($0.offset + 1, $0.element) }, next: savedRow(entry, digest, of: items.count)))
        }
        var resume: FileCheckpoint?
        if let saved = state.current, saved["file"]?.stringValue == entry.name, saved["sha256"]?.stringValue == digest,
           let offset = saved["offset"]?.intValue {
            resume = FileCheckpoint(file: path, offset: offset, line: saved["line"]?.intValue ?? 1, state: saved["state"] ?? .null)
        }
        var opener = FileOpener(encoding: definition.encoding, delimiter: definition.delimiter, logger: source.context.logger)
        opener.selector = records?.fieldPath ?? []
        var open = try opener.open(path, display: display, format: format, resume: resume)
        // A document read whole before this release saved the records delivered, not a byte
        // offset: those are read past again, not delivered twice.
        if records != nil, resume == nil, let saved = state.current, saved["file"]?.stringValue == entry.name,
           saved["sha256"]?.stringValue == digest, let delivered = saved["row"]?.intValue {
            var skipped = 0
            while skipped < delivered, try open.parser.next(open.window) != nil { skipped += 1 }
        }
        return Current(entry: entry, path: path, digest: digest, reader: .text(open))
    }

    /// Where an interrupted run stopped in `entry`'s `count` records, if the file is unchanged
    /// since and gives as many (another `records` would not): 0 otherwise.
    private func savedRow(_ entry: FileEntry, _ digest: String, of count: Int) -> Int {
        guard let saved = state.current, saved["file"]?.stringValue == entry.name, saved["sha256"]?.stringValue == digest,
              saved["rows"]?.intValue ?? count == count, let row = saved["row"]?.intValue else { return 0 }
        return min(max(row, 0), count)
    }

    /// Up to one batch of the current file.
    private func read() async throws -> RecordBatch {
        guard var file = current else { return RecordBatch(records: [], checkpoint: nil) }
        let limit = source.context.batchSize
        var records: [Record] = []
        var rejects: [RecordBatch.Rejected] = []
        var finished = false
        switch file.reader {
        case .text(var open):
            let batchStart = open.window.position
            while records.count + rejects.count < limit {
                // Large records end a batch early: a thousand of 40 MB each are not held at once.
                if open.window.position - batchStart > FileOpener.maximumBatchBytes { break }
                guard let item = try open.parser.next(open.window) else {
                    finished = true
                    if let notice = open.parser.notice {
                        source.context.logger.warning("\(notice); if the path is wrong, fix the stream's `records` and run with --reset to read the file again",
                                                      metadata: ["file": .string(file.entry.name)])
                    }
                    break
                }
                switch item {
                case .record(let value, let line):
                    records.append(source.assembler.record(value, origin: RecordOrigin(file.entry.name, position: line)))
                case .rejected(let reason, let raw, let line):
                    rejects.append(.init(origin: RecordOrigin(file.entry.name, position: line), reason: reason, raw: .string(raw)))
                }
            }
            file.reader = .text(open)
            if !finished {
                state.current = ["file": .string(file.entry.name), "sha256": .string(file.digest), "offset": .integer(open.window.position),
                                 "line": .integer(open.parser.line), "state": open.parser.checkpointState]
            }
        case .sheet(let sheet, var next):
            while records.count < limit {
                guard let (line, value) = try sheet.next() else {
                    finished = true
                    break
                }
                records.append(source.assembler.record(value, origin: RecordOrigin(file.entry.name, position: line)))
                next += 1
            }
            file.reader = .sheet(sheet, next: next)
            if !finished {
                state.current = ["file": .string(file.entry.name), "sha256": .string(file.digest), "row": .integer(next),
                                 "sheet": .string(sheet.name)]
            }
        case .rows(let rows, var next):
            let end = min(rows.count, next + limit)
            for (line, value) in rows[next..<end] {
                records.append(source.assembler.record(value, origin: RecordOrigin(file.entry.name, position: line)))
            }
            next = end
            finished = next >= rows.count
            file.reader = .rows(rows, next: next)
            if !finished {
                state.current = ["file": .string(file.entry.name), "sha256": .string(file.digest), "row": .integer(next),
                                 "rows": .integer(rows.count)]
            }
        }
        unsaved = false
        if finished {
            state.cursors[file.entry.name] = Self.remembered(file.entry, file.digest, seen: Int(source.context.clock() / 1000))
            state.current = nil
            if location.isRemote { try? FileManager.default.removeItem(atPath: file.path) }
            current = nil
        } else {
            current = file
        }
        return source.assembler.assemble(records, rejects: rejects, checkpoint: state.checkpoint)
    }

    /// What is remembered of a processed file; `seen` is when (the context's clock, which
    /// fixture replay pins, so recorded checkpoints stay the same).
    static func remembered(_ entry: FileEntry, _ digest: String, seen: Int) -> Value {
        ["size": entry.size.map { .integer(Int($0)) } ?? .null, "mtime": entry.modified.map { .integer(Int($0)) } ?? .null,
         "sha256": .string(digest), "seen": .integer(seen)]
    }

    /// Whether an unchanged size and time prove a remembered file unchanged. Not when it was
    /// read within the time's resolution of being written (a second locally, a minute in an
    /// FTP listing): a rewrite of the same size in that tick keeps both, so the digest decides.
    static func settled(_ known: Value, granularity: Int) -> Bool {
        guard let seen = known["seen"]?.intValue, let mtime = known["mtime"]?.intValue else { return true }
        return seen > mtime + granularity
    }

    static func format(of name: String, declared: String) throws -> String {
        guard declared == "auto" else { return declared }
        let lower = name.lowercased()
        for (suffix, format) in [(".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"), (".xlsx", "xlsx")]
        where lower.hasSuffix(suffix) {
            return format
        }
        throw ManifestRuntimeError("\(name): cannot tell the format from the extension; set files.format")
    }

    /// The file's SHA-256, read in chunks.
    static func sha256(_ path: String) throws -> String {
        let input = try FileInput(path: path)
        var hasher = Digest.Hasher(.sha256)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { (raw) throws(FileReadError) -> Int in try input.read(into: raw) }
            if n == 0 { break }
            hasher.update(buffer[..<n])
        }
        return Digest.hexString(hasher.finalize())
    }
}
