import Foundation
import HuiliuCore
import Testing

/// `provenance: true` and `huiliu audit`: the chain proves what each batch received and what
/// the sinks were given, and the check finds a file or an entry altered afterwards.
struct AuditTests {
    /// Twelve compact JSON lines, written as Huiliu writes JSON, so the received records'
    /// digest can be checked against the input file's own bytes.
    static let input = (1...12).map { #"{"id":"R\#($0)","value":\#($0 * 10),"station":"黄冈"}"# }

    func project() throws -> String {
        let project = try temporaryProject("audit")
        try (Self.input.joined(separator: "\n") + "\n").write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: audited
            provenance: true
            source: { file: { path: data/in.jsonl } }
            sinks: [ jsonl: data/out.jsonl ]
            batch: { size: 5 }
            """.write(toFile: project + "/pipelines/audited.yaml", atomically: true, encoding: .utf8)
        return project
    }

    static func sha256(_ text: some StringProtocol) -> String {
        Digest.hexString(Digest.sha256.hash(Array(text.utf8)))
    }

    @Test func theChainRecordsWhatWasReceivedAndDeliveredAndCatchesTampering() async throws {
        let project = try project()
        let run = try await HuiliuCommand.run(["run", "audited"], in: project)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

        let verify = try await HuiliuCommand.run(["audit", "verify", "audited", "--jsonl", "data/out.jsonl"], in: project)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("audited: 3 entries, intact; head "))
        #expect(verify.stdout.contains("data/out.jsonl: 3 batches, 12 events, "))
        // Without --jsonl, the files the chain records are checked where they were written.
        let everything = try await HuiliuCommand.run(["audit", "verify"], in: project)
        #expect(everything.status == 0 && everything.stdout.contains("  data/out.jsonl: 3 batches, 12 events, "), "\(everything.stdout)")

        // Each entry's hash is SHA-256 of its text as `show --text` prints it; the digests are
        // those of the input's and the output's own lines, batch by batch.
        let texts = try await HuiliuCommand.run(["audit", "show", "audited", "--text"], in: project).stdout.split(separator: "\n")
        #expect(texts.count == 3)
        let output = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let head = try await HuiliuCommand.run(["audit", "verify", "--json"], in: project)
        #expect(try JSONReader.parse(head.stdout)["head"]?.stringValue == Self.sha256(texts[2]))
        for (index, text) in texts.enumerated() {
            let entry = try JSONReader.parse(String(text))
            let lines = (index * 5)..<min(12, index * 5 + 5)
            #expect(entry["sequence"] == .integer(index + 1))
            #expect(entry["input"]?["records"] == .integer(lines.count))
            #expect(entry["input"]?["sha256"]?.stringValue == Self.sha256(lines.map { Self.input[$0] + "\n" }.joined()))
            #expect(entry["sinks"]?["0:jsonl"]?["sha256"]?.stringValue == Self.sha256(lines.map { output[$0] + "\n" }.joined()))
            #expect(entry["connector"] == "file")
            if index > 0 { #expect(entry["previous"]?.stringValue == Self.sha256(texts[index - 1])) }
        }

        // One byte of the third batch changed in place (same file, same length).
        let handle = try #require(FileHandle(forUpdatingAtPath: project + "/data/out.jsonl"))
        let offset = output[0..<10].reduce(0) { $0 + $1.utf8.count + 1 } + 20
        try handle.seek(toOffset: UInt64(offset))
        let original = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data([original[0] == 0x41 ? 0x42 : 0x41]))
        try handle.close()
        let altered = try await HuiliuCommand.run(["audit", "verify", "audited", "--jsonl", "data/out.jsonl"], in: project)
        #expect(altered.status == 1)
        #expect(altered.stdout.contains("(entry 3, 2 events) differ from what was delivered: the file was altered"), "\(altered.stdout)")
        #expect(altered.stdout.contains("2 batches, 10 events"))
        #expect(try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project).status == 0)

        // An entry edited in the store, then one removed.
        try SQLiteProbe.execute(path: project + "/data/huiliu.db",
                                "UPDATE huiliu_provenance SET entry = replace(entry, '\"records\":5', '\"records\":4') WHERE sequence = 2")
        let edited = try await HuiliuCommand.run(["audit", "verify"], in: project)
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("entry 2: its text does not match its hash: it was altered after it was recorded"), "\(edited.stdout)")
        try SQLiteProbe.execute(path: project + "/data/huiliu.db", "DELETE FROM huiliu_provenance WHERE sequence = 2")
        let removed = try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project)
        #expect(removed.status == 1)
        #expect(removed.stdout.contains("entry 3: entry 2 is missing before it"))
        #expect(removed.stdout.contains("entry 3: does not follow the hash of the entry before it"))
    }

    /// A file the chain says a jsonl sink wrote, deleted since, is a finding.
    @Test func aFileTheChainRecordsThatIsGoneIsReported() async throws {
        let project = try project()
        #expect(try await HuiliuCommand.run(["run", "audited"], in: project).status == 0)
        try FileManager.default.removeItem(atPath: project + "/data/out.jsonl")
        let verify = try await HuiliuCommand.run(["audit", "verify"], in: project)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("written by this pipeline's jsonl sink, by the chain, and gone: its batches can no longer be proven"),
                "\(verify.stdout)")
    }

    /// A run aborted for its failures leaves the batches it committed in the file until the next
    /// run cuts them off, and delivers none of the batch that tripped it: the chain accounts for
    /// every byte, before and after that next run.
    @Test func anAbortedRunLeavesTheFileProvable() async throws {
        let project = try temporaryProject("audit-abort")
        let good = (1...120).map { #"{"id":"R\#($0)","value":\#($0)}"# }
        try ((good + (1...80).map { "not json \($0)" }).joined(separator: "\n") + "\n")
            .write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: aborted
            provenance: true
            source: { file: { path: data/in.jsonl, key: id } }
            sinks: [ jsonl: data/out.jsonl ]
            batch: { size: 50 }
            errors: { max_failure_ratio: 0.05 }
            """.write(toFile: project + "/pipelines/aborted.yaml", atomically: true, encoding: .utf8)
        let run = try await HuiliuCommand.run(["run", "aborted"], in: project)
        #expect(run.status == 1 && run.stdout.contains("failed"), "\(run.stdout)\(run.stderr)")
        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 120, "every batch delivered: the ratio (80 of 200 failed, under half) is judged at the run's end")
        let verify = try await HuiliuCommand.run(["audit", "verify"], in: project)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("5 rolled back (") && verify.stdout.contains("still at the end, as delivered, until the next run cuts them off"), "\(verify.stdout)")

        try ((good).joined(separator: "\n") + "\n").write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["run", "aborted"], in: project).status == 0)
        let after = try await HuiliuCommand.run(["audit", "verify"], in: project)
        #expect(after.status == 0 && after.stdout.contains("data/out.jsonl: 3 batches, 120 events"), "\(after.stdout)")
    }

    /// The checkpoint is committed with its entry: one changed in the store afterwards (which
    /// moves where the next run resumes) is a finding; one forgotten by `run --reset` is not.
    @Test func aCheckpointChangedOutsideARunIsReported() async throws {
        let project = try project()
        #expect(try await HuiliuCommand.run(["run", "audited"], in: project).status == 0)
        #expect(try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project).status == 0)
        try SQLiteProbe.execute(path: project + "/data/huiliu.db",
                                "UPDATE huiliu_checkpoints SET value = json_set(value, '$.edited', 1) WHERE pipeline = 'audited'")
        let edited = try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project)
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("is not the one entry 3 recorded") && edited.stdout.contains("it was changed outside a run"), "\(edited.stdout)")
        try SQLiteProbe.execute(path: project + "/data/huiliu.db", "DELETE FROM huiliu_checkpoints WHERE pipeline = 'audited'")
        #expect(try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project).status == 0)
        // A pipeline that no longer keeps its chain commits checkpoints without entries: no finding.
        let file = project + "/pipelines/audited.yaml"
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "provenance: true", with: "provenance: false")
            .write(toFile: file, atomically: true, encoding: .utf8)
        try (Self.input.joined(separator: "\n") + "\n" + #"{"id":"R13","value":130,"station":"黄冈"}"# + "\n")
            .write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["run", "audited"], in: project).status == 0)
        let off = try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project)
        #expect(off.status == 0, "\(off.stdout)")
        // Kept again: the run without an entry is named as such, not as an edit, until the next run records one.
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "provenance: false", with: "provenance: true")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let resumed = try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project)
        #expect(resumed.status == 1 && resumed.stdout.contains("which recorded no entry after entry 3 (was the pipeline's provenance off for it?)"),
                "\(resumed.stdout)")
        try (Self.input.joined(separator: "\n") + "\n" + #"{"id":"R13","value":130,"station":"黄冈"}"# + "\n" + #"{"id":"R14","value":140,"station":"黄冈"}"# + "\n")
            .write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["run", "audited"], in: project).status == 0)
        #expect(try await HuiliuCommand.run(["audit", "verify", "--chain-only"], in: project).status == 0)
    }

    @Test func aPipelineWithoutAChainCannotBeVerified() async throws {
        let project = try project()
        let verify = try await HuiliuCommand.run(["audit", "verify", "nothing"], in: project)
        #expect(verify.status == 2)
        #expect(verify.stderr.contains("nothing has no provenance chain; a pipeline keeps one with `provenance: true`"))
    }
}
