import Foundation
#if canImport(Glibc)
import Glibc
#endif
public import HuiliuCore
public import HuiliuStore

/// Checks a pipeline's provenance chain link by link and, given a file a jsonl sink of the
/// pipeline wrote, that every committed batch's bytes in it are the ones the chain recorded.
///
/// The chain proves order and content: each entry's hash is SHA-256 of its stored text and the
/// next entry names it, so an entry altered, removed or inserted after the fact shows up where
/// it happened. Truncating the chain's tail is invisible to the chain alone; compare the head
/// hash with one recorded elsewhere (``Report/head``).
public struct ProvenanceAudit: Sendable {
    /// Where the chain is.
    public var store: any StateStore

    /// An audit of `store`'s chains.
    public init(store: any StateStore) {
        self.store = store
    }

    /// A prefix of a chain found intact: checking again can start after it.
    public struct Checked: Sendable, Equatable {
        /// The last entry of the prefix.
        public var sequence: Int
        /// Its hash.
        public var hash: String

        /// A prefix ending at `sequence` with `hash`.
        public init(sequence: Int, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    /// What an audit found.
    public struct Report: Sendable {
        /// The pipeline.
        public var pipeline: String
        /// Entries in the chain.
        public var entries = 0
        /// Entries read and checked (fewer than ``entries`` when the check started after an intact prefix).
        public var checked = 0
        /// The hash of the last entry: the value to keep elsewhere to detect a cut tail.
        public var head: String?
        /// Everything wrong, in chain order; empty when the chain holds.
        public var problems: [String] = []
        /// What the checks of files covered, in the order they were checked.
        public var files: [FileReport] = []
        /// The first (with a file named, the only) file checked.
        public var file: FileReport? { files.first }
        /// The chain up to its head, when no problem was found: where a later check can start.
        public var intactThrough: Checked?

        /// An empty report on `pipeline`.
        public init(pipeline: String) {
            self.pipeline = pipeline
        }
    }

    /// What the check of a jsonl file covered.
    public struct FileReport: Sendable {
        /// The file.
        public var path: String
        /// Batches whose bytes were checked.
        public var batches = 0
        /// Events in them.
        public var events = 0
        /// Bytes checked.
        public var bytes = 0
        /// Bytes at the start of the file written before the chain's first batch in it.
        public var predating = 0
        /// Batches cut off by a rollback (a run aborted for its failures) and written over.
        public var rolledBack = 0
        /// Bytes at the file's end of batches a rollback took back, which the pipeline's next
        /// run cuts off: the aborted run leaves them until then.
        public var awaitingCut = 0
        /// Batches of a file emptied since (logrotate's `copytruncate`): the sink writes it again
        /// from its start, and the batches are in the copy, if one was kept.
        public var emptied = 0
        /// The file the chain recorded whose contents this one has, when it is a copy of it (or
        /// was moved to another file system, which gives it a new inode) and not at its path.
        public var copyOf: String?
    }

    /// One committed batch's bytes in a jsonl file.
    struct Range {
        var sequence: Int
        /// The file's inode then: a sink finding another file at its path starts that one.
        var inode: Int
        var from: Int
        var to: Int
        var events: Int
        var sha256: String
    }

    /// Verifies `pipeline`'s chain and, with `jsonl`, that file against it, or with
    /// `recordedFiles` every file the chain says a jsonl sink wrote, where it was written (one
    /// that is gone is a problem). With `after`, a prefix found intact before, only its last
    /// entry (its text must still hash to the same) and the entries after it are read, and no
    /// file is checked: entries before that one, rewritten since, are found only by a full check.
    /// - Throws: only when the store or a file cannot be read; what is wrong goes in the report.
    ///
    /// With `checkpointCommitted` (the pipeline keeps its chain now, so every checkpoint it commits
    /// comes with an entry), the stored checkpoint is compared with the one the last entry recorded.
    public func verify(pipeline: String, jsonl: String? = nil, recordedFiles: Bool = false, after: Checked? = nil,
                       checkpointCommitted: Bool = true) async throws -> Report {
        var report = Report(pipeline: pipeline)
        let checksFiles = after == nil && (jsonl != nil || recordedFiles)
        // Where the pipeline's sinks wrote, by path: the batches of the file asked about are
        // picked once its identity is known (after the chain is read, so a batch committed
        // meanwhile is not taken for bytes the file lacks).
        var ranges: [(path: String, range: Range)] = []
        var expected = (after?.sequence ?? 0) + 1
        var previous = after?.hash ?? ProvenanceEntry.genesis
        report.entries = after?.sequence ?? 0
        // The prefix's last entry must still be there as it was: a chain cut or rewritten since
        // would otherwise pass as one that merely has nothing new.
        if let after {
            let last = try await store.provenance(pipeline: pipeline, after: after.sequence - 1, limit: 1).first
            if last?.sequence != after.sequence || last?.hash != after.hash || last.map({ ProvenanceEntry.hash(of: $0.text) }) != after.hash {
                report.problems.append("entry \(after.sequence), found intact before with hash \(after.hash), is gone or changed: check the whole chain")
            }
        }
        while true {
            let links = try await store.provenance(pipeline: pipeline, after: expected - 1, limit: 1000)
            guard !links.isEmpty else { break }
            for link in links {
                report.entries += 1
                report.checked += 1
                if link.sequence != expected {
                    let missing = link.sequence - 1 == expected ? "entry \(expected) is" : "entries \(expected)–\(link.sequence - 1) are"
                    report.problems.append("entry \(link.sequence): \(missing) missing before it")
                }
                if ProvenanceEntry.hash(of: link.text) != link.hash {
                    report.problems.append("entry \(link.sequence): its text does not match its hash: it was altered after it was recorded")
                }
                defer {
                    expected = link.sequence + 1
                    previous = link.hash
                }
                guard case .object(let entry)? = try? JSONReader.parse(link.text) else {
                    report.problems.append("entry \(link.sequence): its text is not a JSON object")
                    continue
                }
                if entry["previous"]?.stringValue != previous {
                    report.problems.append("entry \(link.sequence): does not follow the hash of the entry before it: an entry before it was replaced or removed")
                }
                if entry["pipeline"]?.stringValue != pipeline || entry["sequence"]?.intValue != link.sequence {
                    report.problems.append("entry \(link.sequence): its text names another place (pipeline \(entry["pipeline"]?.stringValue ?? "?"), entry \(entry["sequence"]?.intValue.map(String.init) ?? "?")): it was moved")
                }
                guard checksFiles, case .object(let sinks)? = entry["sinks"] else { continue }
                for (_, share) in sinks {
                    guard let position = share["position"], let path = position["path"]?.stringValue,
                          let end = position["length"]?.intValue, let bytes = share["bytes"]?.intValue,
                          bytes >= 0, end >= bytes else { continue }
                    ranges.append((path, Range(sequence: link.sequence, inode: position["inode"]?.intValue ?? 0, from: end - bytes, to: end,
                                               events: share["events"]?.intValue ?? 0, sha256: share["sha256"]?.stringValue ?? "")))
                }
            }
        }
        report.head = report.entries > 0 ? previous : nil
        if checkpointCommitted, report.entries > 0, let problem = try await checkpointProblem(pipeline: pipeline, from: expected - 1) {
            report.problems.append(problem)
        }
        if report.problems.isEmpty, report.entries > 0 { report.intactThrough = Checked(sequence: expected - 1, hash: previous) }
        guard checksFiles else { return report }
        if let jsonl {
            try checkFile(jsonl, ranges: ranges, report: &report)
            return report
        }
        let cwd = FileManager.default.currentDirectoryPath + "/"
        var paths: [String] = []
        for (path, _) in ranges where !paths.contains(path) { paths.append(path) }
        for recorded in paths {
            let path = recorded.hasPrefix(cwd) ? String(recorded.dropFirst(cwd.count)) : recorded
            guard FileManager.default.fileExists(atPath: path) else {
                report.problems.append("\(path): written by this pipeline's jsonl sink, by the chain, and gone: its batches can no longer be proven")
                continue
            }
            try checkFile(path, ranges: ranges, report: &report)
        }
        return report
    }

    /// Whether the stored checkpoint differs from the one the chain's last entry recorded: one
    /// changed outside a run (edited in the store) moves where the next run resumes, skipping or
    /// repeating records, and no entry says so. The checkpoint and its entry are committed in one
    /// transaction, so a checkpoint read while the last entry stayed the same is that entry's; a
    /// run committing meanwhile is waited out. A checkpoint forgotten (`run --reset`) is no problem.
    func checkpointProblem(pipeline: String, from sequence: Int) async throws -> String? {
        var known = sequence
        for _ in 0..<20 {
            guard let before = try await lastLink(pipeline, from: known) else { return nil }
            known = before.sequence
            let stored = try await store.checkpoint(pipeline: pipeline, stream: PipelineRunner.stream)
            guard let after = try await lastLink(pipeline, from: known), after.sequence == before.sequence, after.hash == before.hash else {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            guard let text = try? JSONReader.parse(after.text), let recorded = text["checkpoint_sha256"]?.stringValue,
                  let stored, !stored.checkpoint.value.isNull else { return nil }
            let now = ProvenanceEntry.hash(of: stored.checkpoint.value.jsonText)
            guard now != recorded else { return nil }
            // Committed by the entry's run and changed since, or committed by a run with no entry.
            if let run = text["run"]?.stringValue, stored.runID != run {
                return "the stored checkpoint (sha256 \(now)) was committed by run \(stored.runID), which recorded no entry after entry \(after.sequence) (was the pipeline's provenance off for it?): the batches it read are not proven"
            }
            return "the stored checkpoint (sha256 \(now)) is not the one entry \(after.sequence) recorded (\(recorded)): it was changed outside a run, and the next run resumes from it"
        }
        return nil
    }

    /// The chain's last link, looked for from link `sequence` on (the last one verify read).
    private func lastLink(_ pipeline: String, from sequence: Int) async throws -> ProvenanceLink? {
        var last: ProvenanceLink?
        var after = max(0, sequence - 1)
        while true {
            let page = try await store.provenance(pipeline: pipeline, after: after, limit: 1000)
            guard let tail = page.last else { return last }
            if last?.sequence == tail.sequence { return last }
            last = tail
            after = tail.sequence - 1
        }
    }

    /// Checks the file at `path` against the batches `ranges` record, into `report`.
    private func checkFile(_ path: String, ranges: [(path: String, range: Range)], report: inout Report) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw RunError("\(path): \(String(cString: strerror(errno)))") }
        let inode = Int(truncatingIfNeeded: info.st_ino)
        let absolute = Self.absolute(path)
        // The file's batches: by inode (a file moved aside keeps it) or else by path (one
        // replaced by a copy, whose contents are checked all the same).
        var own = ranges.filter { $0.range.inode == inode }.map(\.range)
        let atPath = ranges.filter { Self.absolute($0.path) == absolute }.map(\.range)
        if own.isEmpty, let latest = atPath.last?.inode {
            report.problems.append("""
                \(path): is not the file the pipeline wrote there (inode \(latest)) but another one (inode \(inode)): it was \
                replaced or rewritten since (by an editor, sed -i, a copy); its contents are checked all the same
                """)
            own = atPath.filter { $0.inode == latest }
        }
        var copyOf: String?
        if own.isEmpty, atPath.isEmpty, let match = try Self.sameContents(path, size: Int(info.st_size), ranges: ranges) {
            own = match.ranges
            copyOf = match.path
        }
        guard !own.isEmpty else {
            report.problems.append("\(path): no entry of the chain records a batch written to this file")
            report.files.append(FileReport(path: path))
            return
        }
        let first = own[0].sequence
        let earlier = atPath.filter { $0.inode != own[0].inode && $0.sequence < first }
        if let last = earlier.last {
            report.problems.append("""
                \(path): entries \(earlier[0].sequence)–\(last.sequence) went to an earlier file at this path (inode \(last.inode)), \
                which is not this one: check that file if it was kept; otherwise those batches can no longer be proven
                """)
        }
        var file = try check(path, size: Int(info.st_size), ranges: own, problems: &report.problems)
        file.copyOf = copyOf
        report.files.append(file)
    }

    /// The batches of the recorded file one of whose last batches `path` holds at the same
    /// bytes: a copy of it, or the file moved to another file system. Newest file first.
    private static func sameContents(_ path: String, size: Int,
                                     ranges: [(path: String, range: Range)]) throws -> (path: String, ranges: [Range])? {
        var files: [(path: String, inode: Int, ranges: [Range])] = []
        for (recorded, range) in ranges {
            if let k = files.firstIndex(where: { $0.inode == range.inode && $0.path == recorded }) {
                files[k].ranges.append(range)
            } else {
                files.append((recorded, range.inode, [range]))
            }
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunError("\(path): cannot open") }
        defer { try? handle.close() }
        for file in files.reversed() {
            // The newest batches first: an early one may have been cut back by a rollback and written over.
            for range in file.ranges.reversed().filter({ $0.to > $0.from && $0.to <= size }).prefix(3) {
                guard try Self.holds(range, handle) else { continue }
                return (file.path, file.ranges)
            }
        }
        return nil
    }

    /// True if the file open in `handle` holds `range`'s bytes as the chain recorded them.
    private static func holds(_ range: Range, _ handle: FileHandle) throws -> Bool {
        try handle.seek(toOffset: UInt64(range.from))
        var hasher = Digest.Hasher(.sha256)
        var left = range.to - range.from
        while left > 0 {
            guard let chunk = try handle.read(upToCount: min(left, 1 << 20)), !chunk.isEmpty else { return false }
            hasher.update(chunk)
            left -= chunk.count
        }
        return Digest.hexString(hasher.finalize()) == range.sha256
    }

    /// `path` made absolute against the working directory, with `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }

    /// Hashes each batch's bytes of the file and compares them with the chain.
    private func check(_ path: String, size: Int, ranges: [Range], problems: inout [String]) throws -> FileReport {
        var report = FileReport(path: path)
        // A batch whose bytes a later batch starts inside was cut off by a rollback and written
        // over (a rollback entry itself is an empty batch where the file was cut back to). Cut off
        // with no rollback recorded, the file was cut short by hand, and what was cut is gone.
        var current: [Range] = []
        // The batches the latest rollback took back, in file order, until a batch is written after it.
        var takenBack: [Range] = []
        for range in ranges {
            var cut: [Range] = []
            while let last = current.last, last.to > range.from { cut.insert(current.removeLast(), at: 0) }
            if let first = cut.first, let last = cut.last {
                let gone = cut.reduce(0) { $0 + $1.events }
                let entries = cut.count == 1 ? "entry \(first.sequence)" : "entries \(first.sequence)–\(last.sequence)"
                if range.from == range.to {
                    report.rolledBack += cut.count
                    takenBack = cut.filter { $0.to > $0.from }
                } else if range.from == 0 {
                    // Emptied (logrotate's copytruncate, or truncated): the batches are gone from
                    // this file, and only a copy, checked with --jsonl, can prove them.
                    report.emptied += cut.count
                    problems.append("""
                        \(path): \(entries)'s batch\(cut.count == 1 ? "" : "es") (\(gone) events) are gone: the file was emptied before entry \
                        \(range.sequence) (rotated with copytruncate, or truncated); check the copy with --jsonl if one was kept
                        """)
                } else {
                    problems.append("""
                        \(path): entry \(range.sequence)'s batch begins at byte \(range.from), inside what \(entries) delivered \
                        (bytes \(first.from)–\(last.to)), and no rollback was recorded: the file was cut short outside \
                        Huiliu before it was written, and \(gone) event\(gone == 1 ? "" : "s") delivered \(gone == 1 ? "is" : "are") gone from it
                        """)
                }
            }
            if range.to > range.from { takenBack = [] }
            current.append(range)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunError("\(path): cannot open") }
        defer { try? handle.close() }
        report.predating = current.first?.from ?? 0
        var covered = report.predating
        for range in current where range.to > range.from {
            if range.from > covered {
                problems.append("\(path): bytes \(covered)–\(range.from), before entry \(range.sequence)'s batch, are recorded by no entry")
            }
            covered = range.to
            guard range.to <= size else {
                problems.append("\(path): entry \(range.sequence)'s batch ends at byte \(range.to), but the file ends at \(size): it was cut short")
                return report
            }
            if try !Self.holds(range, handle) {
                problems.append("\(path): bytes \(range.from)–\(range.to) (entry \(range.sequence), \(range.events) events) differ from what was delivered: the file was altered")
            } else {
                report.batches += 1
                report.events += range.events
                report.bytes += range.to - range.from
            }
        }
        if let last = current.last, last.to > covered { covered = last.to }
        // An aborted run's batches stay at the end until the next run cuts them off.
        for range in takenBack where range.from == covered && range.to <= size {
            guard try Self.holds(range, handle) else { break }
            report.awaitingCut += range.to - range.from
            covered = range.to
        }
        if covered < size {
            problems.append("""
                \(path): bytes \(covered)–\(size) are not recorded in the chain (a run still writing, or one that stopped \
                before committing — its next run cuts them off — or lines added by hand)
                """)
        } else if covered > size {
            problems.append("\(path): the chain's last batch in it ends at byte \(covered), but the file ends at \(size): it was cut short")
        }
        return report
    }
}

extension ProvenanceAudit.Report {
    /// The report as JSON, for `huiliu audit verify --json` and the admin API; at most
    /// `problems` problems are listed.
    public func jsonValue(problems limit: Int = .max) -> Value {
        ["pipeline": .string(pipeline), "entries": .integer(entries), "checked": .integer(checked),
         "head": head.map { .string($0) } ?? .null, "intact": .bool(problems.isEmpty),
         "problems": .array(problems.prefix(limit).map { .string($0) }),
         "files": .array(files.map { file in
             ["path": .string(file.path), "batches": .integer(file.batches), "events": .integer(file.events),
              "bytes": .integer(file.bytes), "rolled_back": .integer(file.rolledBack), "awaiting_cut_bytes": .integer(file.awaitingCut), "emptied": .integer(file.emptied), "predating_bytes": .integer(file.predating),
              "copy_of": file.copyOf.map { .string($0) } ?? .null]
         })]
    }
}
