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

    /// What an audit found.
    public struct Report: Sendable {
        /// The pipeline.
        public var pipeline: String
        /// Entries read.
        public var entries = 0
        /// The hash of the last entry: the value to keep elsewhere to detect a cut tail.
        public var head: String?
        /// Everything wrong, in chain order; empty when the chain holds.
        public var problems: [String] = []
        /// What the file check covered, when a file was given.
        public var file: FileReport?
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
        /// Batches written again after a rollback cut the file back, or recorded for an earlier
        /// file at this path: not in the file any more, so not checked.
        public var superseded = 0
    }

    /// One committed batch's bytes in a jsonl file.
    struct Range {
        var sequence: Int
        /// The file's inode then: a sink finding another file at its path starts it afresh.
        var inode: Int
        var from: Int
        var to: Int
        var events: Int
        var sha256: String
    }

    /// Verifies `pipeline`'s chain and, with `jsonl`, that file against it.
    /// - Throws: only when the store or the file cannot be read; what is wrong goes in the report.
    public func verify(pipeline: String, jsonl: String? = nil) async throws -> Report {
        var report = Report(pipeline: pipeline)
        var file: (inode: Int, name: String, size: Int)?
        if let jsonl {
            var info = stat()
            guard stat(jsonl, &info) == 0 else { throw RunError("\(jsonl): \(String(cString: strerror(errno)))") }
            file = (Int(info.st_ino), (jsonl as NSString).lastPathComponent, Int(info.st_size))
        }
        var ranges: [Range] = []
        var expected = 1
        var previous = ProvenanceEntry.genesis
        while true {
            let links = try await store.provenance(pipeline: pipeline, after: expected - 1, limit: 1000)
            guard !links.isEmpty else { break }
            for link in links {
                report.entries += 1
                if link.sequence != expected {
                    let missing = link.sequence - 1 == expected ? "entry \(expected) is" : "entries \(expected)–\(link.sequence - 1) are"
                    report.problems.append("entry \(link.sequence): \(missing) missing before it")
                }
                if ProvenanceEntry.hash(of: link.text) != link.hash {
                    report.problems.append("entry \(link.sequence): its text does not match its hash: it was altered after it was recorded")
                }
                guard case .object(let entry)? = try? JSONReader.parse(link.text) else {
                    report.problems.append("entry \(link.sequence): its text is not a JSON object")
                    expected = link.sequence + 1
                    previous = link.hash
                    continue
                }
                if entry["previous"]?.stringValue != previous {
                    report.problems.append("entry \(link.sequence): does not follow the hash of the entry before it: an entry before it was replaced or removed")
                }
                if entry["pipeline"]?.stringValue != pipeline || entry["sequence"]?.intValue != link.sequence {
                    report.problems.append("entry \(link.sequence): its text names another place (pipeline \(entry["pipeline"]?.stringValue ?? "?"), entry \(entry["sequence"]?.intValue.map(String.init) ?? "?")): it was moved")
                }
                if let file, case .object(let sinks)? = entry["sinks"] {
                    for (_, share) in sinks {
                        guard let to = share["to"], let path = to["path"]?.stringValue, (path as NSString).lastPathComponent == file.name,
                              let end = to["length"]?.intValue else { continue }
                        let inode = to["inode"]?.intValue ?? 0
                        let from = share["from"]
                        let start = from?["inode"]?.intValue == inode ? from?["length"]?.intValue ?? 0 : 0
                        ranges.append(Range(sequence: link.sequence, inode: inode, from: start, to: end,
                                            events: share["events"]?.intValue ?? 0, sha256: share["sha256"]?.stringValue ?? ""))
                    }
                }
                expected = link.sequence + 1
                previous = link.hash
            }
        }
        report.head = report.entries > 0 ? previous : nil
        if let jsonl, let file {
            // The file the chain wrote last at this path is the one to check; batches of earlier
            // files there are gone with them.
            let latest = ranges.last?.inode
            if let latest, latest != file.inode {
                report.problems.append("""
                    \(jsonl): is not the file the pipeline wrote (inode \(latest)) but another one (inode \(file.inode)): it was \
                    replaced or rewritten since (by an editor, sed -i, a copy); its contents are checked all the same
                    """)
            }
            let current = ranges.filter { $0.inode == latest }
            report.file = try check(jsonl, size: file.size, ranges: current, problems: &report.problems)
            report.file?.superseded += ranges.count - current.count
        }
        return report
    }

    /// Hashes each batch's bytes of the file and compares them with the chain.
    private func check(_ path: String, size: Int, ranges: [Range], problems: inout [String]) throws -> FileReport {
        var report = FileReport(path: path)
        // A batch whose bytes a later batch starts inside was cut off by a rollback (a run
        // aborted for its failures) and written over; only the last writer of a byte counts.
        var current: [Range] = []
        for range in ranges {
            while let last = current.last, last.to > range.from {
                current.removeLast()
                report.superseded += 1
            }
            current.append(range)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunError("\(path): cannot open") }
        defer { try? handle.close() }
        var covered = 0
        for range in current {
            if range.from > covered {
                problems.append("\(path): bytes \(covered)–\(range.from) come before entry \(range.sequence)'s batch and no entry records them")
            }
            covered = range.to
            guard range.to <= size else {
                problems.append("\(path): entry \(range.sequence)'s batch ends at byte \(range.to), but the file ends at \(size): it was cut short")
                break
            }
            try handle.seek(toOffset: UInt64(range.from))
            var hasher = Digest.Hasher(.sha256)
            var left = range.to - range.from
            while left > 0 {
                guard let chunk = try handle.read(upToCount: min(left, 1 << 20)), !chunk.isEmpty else { break }
                hasher.update(chunk)
                left -= chunk.count
            }
            if Digest.hexString(hasher.finalize()) != range.sha256 {
                problems.append("\(path): bytes \(range.from)–\(range.to) (entry \(range.sequence), \(range.events) events) differ from what was delivered: the file was altered")
            } else {
                report.batches += 1
                report.events += range.events
                report.bytes += range.to - range.from
            }
        }
        if covered < size, current.last.map({ $0.to <= size }) ?? true {
            problems.append("""
                \(path): bytes \(covered)–\(size) are not recorded in the chain (a run still writing, or one that stopped \
                before committing — its next run cuts them off — or lines added by hand)
                """)
        }
        return report
    }
}
