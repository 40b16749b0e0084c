import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuStore
import Testing

/// The file check of `huiliu audit verify`: a jsonl sink's byte ranges, batch by batch.
struct ProvenanceAuditTests {
    let directory = NSTemporaryDirectory() + "huiliu-audit-\(UUID().uuidString)"

    /// Commits one entry per range of `file`, as the runner would after writing it.
    func chain(_ ranges: [(from: Int, to: Int, bytes: String)], file: String, pipeline: String = "p", fresh: Bool = false) async throws -> SQLiteStateStore {
        let store = try SQLiteStateStore(path: directory + (fresh ? "/forged-\(UUID().uuidString).db" : "/state.db"))
        let run = try await store.startRun(pipeline: "p", trigger: "test")
        var info = stat()
        stat(file, &info)
        for (index, range) in ranges.enumerated() {
            let position: Value = ["length": .integer(range.to), "path": .string(file), "inode": .integer(Int(info.st_ino))]
            let share = ProvenanceEntry.SinkShare(
                key: "0:jsonl", events: .init(count: range.bytes.isEmpty ? 0 : 1, bytes: range.to - range.from,
                                              sha256: Digest.hexString(Digest.sha256.hash(Array(range.bytes.utf8)))),
                position: position)
            let entry = ProvenanceEntry(runID: run.id, trigger: "test", batch: index + 1, source: "/p", connector: "file",
                                        input: .empty, sinks: [share], checkpoint: nil, recordedAt: Timestamp.now())
            try await store.commit(nil, pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: entry)
        }
        return store
    }

    /// A run aborted for its failures cuts the file back to where it started; the batch written
    /// over is not checked, and what replaced it is.
    @Test func aBatchWrittenOverAfterARollbackIsNotChecked() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "first\nthird\n".write(toFile: file, atomically: false, encoding: .utf8)
        // The second batch's run was aborted: the chain records the rollback to byte 6 (an empty
        // batch), and the next run wrote the third batch from there.
        let store = try await chain([(0, 6, "first\n"), (6, 14, "aborted\n"), (6, 6, ""), (6, 12, "third\n")], file: file)
        let report = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.entries == 4)
        #expect(report.file?.batches == 2)
        #expect(report.file?.rolledBack == 1)
    }

    /// Right after an aborted run its batch is still at the file's end (the next run cuts it
    /// off): the rollback entry accounts for it, so it is no problem while it holds what was delivered.
    @Test func anAbortedRunsBatchAwaitingItsCutIsNoProblem() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "first\naborted\n".write(toFile: file, atomically: false, encoding: .utf8)
        let store = try await chain([(0, 6, "first\n"), (6, 14, "aborted\n"), (6, 6, "")], file: file)
        let report = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.file?.rolledBack == 1 && report.file?.awaitingCut == 8 && report.file?.batches == 1)
        // Altered meanwhile, those bytes are no longer the rolled-back batch.
        try "first\nabort!d\n".write(toFile: file, atomically: false, encoding: .utf8)
        let altered = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(altered.problems.contains { $0.contains("bytes 6–14 are not recorded in the chain") }, "\(altered.problems)")
    }

    /// A file cut short by hand and then appended to is not a rollback: the check says which
    /// entries' events are gone.
    @Test func aFileCutShortByHandIsNotTakenForARollback() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "first\nthird\n".write(toFile: file, atomically: false, encoding: .utf8)
        let store = try await chain([(0, 6, "first\n"), (6, 13, "second\n"), (6, 12, "third\n")], file: file)
        let report = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(report.problems == ["\(file): entry 3's batch begins at byte 6, inside what entry 2 delivered (bytes 6–13), and no rollback was recorded: the file was cut short outside Huiliu before it was written, and 1 event delivered is gone from it"])
        #expect(report.file?.rolledBack == 0)
        // Emptied (logrotate's copytruncate) and written again from its start: the batches before
        // are gone from it (only a copy proves them), said as such.
        let rotated = directory + "/rotated.jsonl"
        try "third\n".write(toFile: rotated, atomically: false, encoding: .utf8)
        let rotatedStore = try await chain([(0, 6, "first\n"), (6, 13, "second\n"), (0, 6, "third\n")], file: rotated, fresh: true)
        let rotatedReport = try await ProvenanceAudit(store: rotatedStore).verify(pipeline: "p", jsonl: rotated)
        #expect(rotatedReport.problems == ["\(rotated): entries 1–2's batches (2 events) are gone: the file was emptied before entry 3 (rotated with copytruncate, or truncated); check the copy with --jsonl if one was kept"])
        #expect(rotatedReport.file?.emptied == 2 && rotatedReport.file?.batches == 1)
    }

    /// A file copied elsewhere (or moved to another file system, which gives it a new inode) is
    /// found by its contents and checked; a file holding other bytes still matches nothing.
    @Test func aCopyElsewhereIsCheckedByItsContents() async throws {
        try FileManager.default.createDirectory(atPath: directory + "/moved", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "first\nsecond\n".write(toFile: file, atomically: false, encoding: .utf8)
        let store = try await chain([(0, 6, "first\n"), (6, 13, "second\n")], file: file)
        let copy = directory + "/moved/out.jsonl"
        try FileManager.default.copyItem(atPath: file, toPath: copy)
        try FileManager.default.removeItem(atPath: file)
        let report = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: copy)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.file?.batches == 2 && report.file?.copyOf == file)
        try "first\nsecond, altered\n".write(toFile: copy, atomically: false, encoding: .utf8)
        let altered = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: copy)
        #expect(altered.problems.contains { $0.contains("differ from what was delivered") }, "\(altered.problems)")
        // A first batch cut back by a rollback and written over does not hide the copy.
        let rolled = directory + "/rolled.jsonl"
        try "first\n".write(toFile: rolled, atomically: false, encoding: .utf8)
        let rolledStore = try await chain([(0, 8, "aborted\n"), (0, 0, ""), (0, 6, "first\n")], file: rolled, fresh: true)
        let rolledCopy = directory + "/moved/rolled.jsonl"
        try FileManager.default.copyItem(atPath: rolled, toPath: rolledCopy)
        let rolledReport = try await ProvenanceAudit(store: rolledStore).verify(pipeline: "p", jsonl: rolledCopy)
        #expect(rolledReport.problems.isEmpty && rolledReport.file?.copyOf == rolled, "\(rolledReport.problems)")
        try "other\n".write(toFile: copy, atomically: false, encoding: .utf8)
        let other = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: copy)
        #expect(other.problems.contains { $0.contains("no entry of the chain records a batch written to this file") })
    }

    /// A file that held lines before the pipeline kept a chain is checked from the chain's first
    /// batch on; the lines before it are counted, not reported.
    @Test func linesFromBeforeTheChainAreNotAProblem() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "old\nfirst\n".write(toFile: file, atomically: false, encoding: .utf8)
        let store = try await chain([(4, 10, "first\n")], file: file)
        let report = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.file?.predating == 4)
        #expect(report.file?.batches == 1)
    }

    /// A check that starts after a prefix found intact reads only the entries added since, and
    /// still notices the prefix's last entry cut off or changed.
    @Test func aLaterCheckReadsOnlyWhatWasAdded() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "first\nsecond\n".write(toFile: file, atomically: false, encoding: .utf8)
        let store = try await chain([(0, 6, "first\n")], file: file)
        let audit = ProvenanceAudit(store: store)
        let first = try await audit.verify(pipeline: "p")
        let prefix = try #require(first.intactThrough)
        #expect(prefix.sequence == 1 && prefix.hash == first.head)

        let run = try await store.startRun(pipeline: "p", trigger: "test")
        let entry = ProvenanceEntry(runID: run.id, trigger: "test", batch: 1, source: "/p", connector: "file", input: .empty,
                                    sinks: [], checkpoint: nil, recordedAt: Timestamp.now())
        try await store.commit(nil, pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: entry)
        let later = try await audit.verify(pipeline: "p", after: prefix)
        #expect(later.problems.isEmpty, "\(later.problems)")
        #expect((later.entries, later.checked) == (2, 1))
        #expect(later.intactThrough?.sequence == 2)

        // The chain rewritten from its first entry on: a check from the old prefix says so.
        let forged = try await chain([(0, 6, "first\n")], file: file, pipeline: "p", fresh: true)
        let rewritten = try await ProvenanceAudit(store: forged).verify(pipeline: "p", after: prefix)
        #expect(rewritten.problems.first?.hasPrefix("entry 1, found intact before with hash \(prefix.hash), is gone or changed") == true,
                "\(rewritten.problems)")
    }

    /// Bytes after the last committed batch are reported (a crash leaves them until the next
    /// run cuts them off; lines appended by hand look the same), and so is a file cut short.
    @Test func bytesOutsideTheChainAreReported() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/out.jsonl"
        try "first\nsecond\nextra\n".write(toFile: file, atomically: false, encoding: .utf8)
        let store = try await chain([(0, 6, "first\n"), (6, 13, "second\n")], file: file)
        let longer = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(longer.problems == ["\(file): bytes 13–19 are not recorded in the chain (a run still writing, or one that stopped before committing — its next run cuts them off — or lines added by hand)"])
        #expect(longer.file?.batches == 2)

        let handle = try #require(FileHandle(forUpdatingAtPath: file))
        try handle.truncate(atOffset: 9)
        try handle.close()
        let shorter = try await ProvenanceAudit(store: store).verify(pipeline: "p", jsonl: file)
        #expect(shorter.problems == ["\(file): entry 2's batch ends at byte 13, but the file ends at 9: it was cut short"])
        #expect(shorter.file?.batches == 1)
    }
}
