import HuiliuCore
import HuiliuKit
import Logging

/// Reads a file source's files in order, one batch at a time.
struct FileBatchReader: BatchReader {
    let source: FileSource
    var files: [String]
    var resume: FileCheckpoint?
    var current: OpenFile?
    /// Rows rejected so far, by file (see ``FileCheckpoint/rejected``).
    var rejected: [String: [String]]
    /// Files read earlier with rejected rows not yet checked for a fix in place.
    var toCheck: [String]
    /// Files before the checkpoint's being read again for a fixed row; their batches carry the
    /// checkpoint the run started from, so an interrupted run does not go back to them (and read
    /// every file after them again): the recheck finds them again instead.
    var rereading: Set<String> = []
    /// The rows rejected while a file is read again: its fingerprints once it is done.
    var rereadRejects: [String: [String]] = [:]
    /// The checkpoint the run started from.
    let original: FileCheckpoint?
    /// Size and modification time of the files with rejected rows, as read (see ``FileCheckpoint/rejectedStamps``).
    var stamps: [String: String]
    /// Size and modification time of each file when this run opened it.
    var openedStamps: [String: String] = [:]

    /// At most this many files and rows per file are remembered with rejected rows.
    static let rememberedFiles = 50, rememberedRows = 100

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
        rejected = (checkpoint?.rejected ?? [:]).filter { files.contains($0.key) }
        stamps = (checkpoint?.rejectedStamps ?? [:]).filter { files.contains($0.key) }
        toCheck = rejected.keys.sorted().filter { path in
            // Unchanged since it was read: its rejected rows cannot have been fixed.
            guard let stamp = checkpoint?.rejectedStamps[path] else { return true }
            return FileCheckpoint.stamp(path) != stamp
        }
        original = checkpoint
    }

    /// Files with rejected rows that were changed since: they are read again from the start,
    /// before the rest (an unchanged file keeps its rows' fingerprints).
    mutating func recheckRejectedFiles() throws {
        var again: [String] = []
        for path in toCheck {
            let display = source.display(path)
            let opener = FileOpener(encoding: source.encoding, delimiter: source.delimiter, logger: source.logger,
                                    maximumRecordBytes: source.maximumRecordBytes, selector: source.selector)
            // Up to the last line remembered: rows rejected further on came later (appended).
            let remembered = rejected[path] ?? []
            let lastLine = remembered.compactMap { Int($0.prefix { $0 != ":" }) }.max() ?? 0
            var now: [String] = []
            do {
                var open = try opener.open(path, display: display, format: try source.resolvedFormat(for: path), resume: nil)
                while let item = try open.parser.next(open.window), now.count < Self.rememberedRows {
                    guard item.line <= lastLine else { break }
                    if case .rejected(_, let fingerprint) = judge(item, display: display) { now.append(fingerprint) }
                }
            } catch {
                // A file that no longer opens is read again, where its error is said.
                now = []
            }
            if now != remembered {
                source.logger.warning("a file with rejected rows was changed since; reading it again from the start",
                                      metadata: ["file": .string(display)])
                again.append(path)
            }
        }
        toCheck = []
        if again.isEmpty { return }
        files.removeAll { again.contains($0) }
        if let resumeFile = resume?.file, again.contains(resumeFile) {
            // The checkpoint's own file is read again from its start as its own checkpoints go.
            resume = nil
        }
        rereading = Set(again.filter { $0 != original?.file })
        if let open = current, again.contains(open.path) { current = nil }
        files = again + files
    }

    /// What ``next()`` makes of an item: a record, or a reject with the fingerprint that tells
    /// later runs whether the row was fixed.
    enum Judged {
        case record(Record)
        case rejected(RecordBatch.Rejected, fingerprint: String)
    }

    /// One judgement for reading and for ``recheckRejectedFiles()``, which must agree.
    func judge(_ item: ParsedItem, display: String) -> Judged {
        switch item {
        case .rejected(let reason, let raw, let line):
            return .rejected(.init(origin: RecordOrigin(display, position: line), reason: reason, raw: .string(raw)),
                             fingerprint: FileCheckpoint.rejectFingerprint(line: line, raw: raw))
        case .record(let value, let line):
            var record = Record(data: value, origin: RecordOrigin(display, position: line), type: source.type)
            // Steps read records' fields: a list or a bare value is a mistake in the file, said here
            // rather than as a key expression giving null three steps on.
            guard case .object = value else {
                return .rejected(.init(origin: record.origin, reason: "a record is a JSON object; this is \(value.typeName)", raw: value),
                                 fingerprint: FileCheckpoint.rejectFingerprint(line: line, raw: value.jsonText))
            }
            if let keyPath = source.keyPath {
                guard let key = value.value(atPath: source.keyComponents), let text = RecordKey.part(key) else {
                    return .rejected(.init(origin: record.origin, reason: "the key field '\(keyPath)' is missing or not a string or a number of at most 18 significant digits",
                                           raw: value),
                                     fingerprint: FileCheckpoint.rejectFingerprint(line: line, raw: value.jsonText))
                }
                record.key = text
            }
            return .record(record)
        }
    }

    mutating func next() async throws -> RecordBatch? {
        var records: [Record] = []
        var rejects: [RecordBatch.Rejected] = []
        records.reserveCapacity(source.batchSize)
        var lastCheckpoint: Checkpoint?
        if !toCheck.isEmpty { try recheckRejectedFiles() }
        while records.count + rejects.count < source.batchSize {
            // The open file is taken out while it is read: reaching it through the optional for
            // every record copied the whole of it (and retained its parts) each time.
            guard var file = current.take() else {
                guard !files.isEmpty else { break }
                current = try open(files.removeFirst())
                continue
            }
            let window = file.window, display = file.display
            var ended = false
            let batchStart = window.position
            do {
                while records.count + rejects.count < source.batchSize {
                    // Large records end a batch early: a thousand of 40 MB each are not held at once.
                    if window.position - batchStart > FileOpener.maximumBatchBytes { break }
                    guard let item = try file.parser.next(window) else {
                        ended = true
                        if let notice = file.parser.notice {
                            source.logger.warning("\(notice); if the path is wrong, fix `records` and run with --reset to read the file again",
                                                  metadata: ["file": .string(display)])
                        }
                        break
                    }
                    switch judge(item, display: display) {
                    case .record(let record):
                        records.append(record)
                    case .rejected(let reject, let fingerprint):
                        rejects.append(reject)
                        remember(fingerprint, in: file.path)
                    }
                }
            } catch {
                current = file
                throw error
            }
            guard ended else { current = file; break }
            if rereading.remove(file.path) != nil {
                rejected[file.path] = rereadRejects.removeValue(forKey: file.path)
                stamps[file.path] = openedStamps[file.path]
            }
            lastCheckpoint = checkpoint(of: file)
        }
        if let current { lastCheckpoint = checkpoint(of: current) }
        if records.isEmpty && rejects.isEmpty && lastCheckpoint == nil { return nil }
        return RecordBatch(records: records, rejects: rejects, checkpoint: lastCheckpoint)
    }

    func checkpoint(of file: OpenFile) -> Checkpoint {
        if rereading.contains(file.path), var started = original {
            started.rejected = rejected
            started.rejectedStamps = stamps
            return started.checkpoint
        }
        var checkpoint = FileCheckpoint(file: file.path, offset: file.window.position, line: file.parser.line,
                                        state: file.parser.checkpointState, tail: FileCheckpoint.tail(of: file.window.recent))
        checkpoint.prefixCRC = file.window.consumedCRC()
        if checkpoint.prefixCRC != nil { checkpoint.stamp = FileCheckpoint.stamp(file.path) }
        checkpoint.rejected = rejected
        checkpoint.rejectedStamps = stamps
        return checkpoint.checkpoint
    }

    /// Remembers a rejected row of the file at `path`, the one being read.
    mutating func remember(_ fingerprint: String, in path: String) {
        // A file the opener started again from its start (changed before the checkpoint) meets
        // its rejected rows a second time: each is remembered once, up to the cap.
        func add(to rows: inout [String]) {
            if rows.count < Self.rememberedRows && !rows.contains(fingerprint) { rows.append(fingerprint) }
        }
        if rereading.contains(path) {
            add(to: &rereadRejects[path, default: []])
            return
        }
        if rejected[path] == nil {
            guard rejected.count < Self.rememberedFiles else { return }
            rejected[path] = []
            stamps[path] = openedStamps[path]
        }
        add(to: &rejected[path, default: []])
    }

    mutating func open(_ path: String) throws -> OpenFile {
        let display = source.display(path)
        let format = try source.resolvedFormat(for: path)
        let saved = resume.flatMap { $0.file == path ? $0 : nil }
        // A file read again before the checkpoint's own leaves the resume point for that one.
        if saved != nil { resume = nil }
        // Read from the start, its rejected rows are found again as they come (a file read again
        // for a fix keeps the old ones until it is done).
        if saved == nil && !rereading.contains(path) { rejected[path] = nil }
        openedStamps[path] = FileCheckpoint.stamp(path)
        let opener = FileOpener(encoding: source.encoding, delimiter: source.delimiter, logger: source.logger,
                                maximumRecordBytes: source.maximumRecordBytes, selector: source.selector)
        return try opener.open(path, display: display, format: format, resume: saved)
    }
}
