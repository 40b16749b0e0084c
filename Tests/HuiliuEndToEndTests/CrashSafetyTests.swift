import Foundation
import HuiliuKit
import HuiliuKitTesting
import HuiliuCore
@testable import HuiliuTestSupport
import Testing

/// Kills `huiliu run` with SIGKILL at several points of a file → SQLite (and JSON Lines)
/// sync, reruns it, and checks the sinks hold exactly the expected events: none missing,
/// none twice.
@Suite(.serialized) struct CrashSafetyTests {
    static let records = 3000

    func project() throws -> String {
        let project = try temporaryProject("crash")
        var input = ""
        for i in 1...Self.records {
            input += #"{"id":"ZF\#(i)","amount":"\#(i).50","payee":"收款单位\#(i % 17)"}"# + "\n"
        }
        try input.write(toFile: project + "/data/payments.jsonl", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: crash
            source:
              file: { path: data/payments.jsonl, key: id, type: budget.payment.raw.v1 }
            sinks:
              - sqlite: { path: data/huiliu.db }
              - jsonl: { path: data/out.jsonl }
            batch: { size: 100 }
            """.write(toFile: project + "/pipelines/crash.yaml", atomically: true, encoding: .utf8)
        return project
    }

    @Test func killedAtEveryKindOfPointItEndsWithExactlyEveryEvent() async throws {
        let project = try project()
        // Crash points: before a batch reaches the sinks, after the sinks wrote it but before
        // its checkpoint committed, and right after a commit. The first run dies before it
        // committed anything at all: the sinks must still be cut back to where they started.
        let faults = ["after-sink-write:1", "before-sink-write:2", "after-sink-write:3", "after-commit:4",
                      "after-sink-write:1", "after-sink-write:5"]
        for fault in faults {
            let result = try await HuiliuCommand.run(["run", "crash"], in: project, environment: ["HUILIU_FAULT": fault])
            #expect(result.killedBySignal && result.status == SIGKILL, "\(fault): \(result.stderr)")
        }
        // And once from outside, at whatever point the run has reached. The run is frozen first:
        // a loaded machine may let it finish before the test sees its output grow, and then it
        // is left to end on its own, a run that succeeded rather than one interrupted.
        let process = try HuiliuCommand.start(["run", "crash"], in: project)
        let startSize = fileSize(project + "/data/out.jsonl")
        try await eventually("the run to write") { !process.isRunning || fileSize(project + "/data/out.jsonl") != startSize }
        let killedFromOutside = try await freezeMidRun(process, output: project + "/data/out.jsonl", total: Self.records)
        if killedFromOutside { process.signal(SIGKILL) }
        let outside = await HuiliuCommand.exit(of: process)
        #expect(killedFromOutside ? outside.signal == SIGKILL : outside.status == 0, "\(outside)")

        let final = try await HuiliuCommand.run(["run", "crash"], in: project)
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        try await expectExactlyOnce(project)

        // The interrupted runs are recorded as such.
        let runs = try await HuiliuCommand.run(["runs", "--json", "--limit", "50"], in: project)
        let statuses = runs.stdout.split(separator: "\n").compactMap { try? JSONReader.parse(String($0))["status"]?.stringValue }
        #expect(statuses.first == "succeeded")
        #expect(statuses.filter { $0 == "interrupted" }.count == faults.count + (killedFromOutside ? 1 : 0))
    }

    /// Ctrl-C (or SIGTERM) stops `huiliu run` at a batch boundary: exit 128 + the signal (130,
    /// 143), the run recorded as cancelled (not left "running"), and the next run delivers the
    /// rest exactly once.
    @Test(arguments: [SIGINT, SIGTERM]) func ctrlCStopsARunAtABatchBoundary(signal stop: Int32) async throws {
        // Enough for a second or so of batches of 100: the signal comes right after the first.
        let records = 60_000
        var input: [UInt8] = []
        input.reserveCapacity(records * 16)
        for i in 1...records { input += Array(#"{"id":"I\#(i)"}"#.utf8) + [0x0A] }
        // The signal must find the run in the middle, with most of it still to do: the run is
        // frozen (SIGSTOP) once the test sees its first output, and signalled only if it had
        // written less than half by then. A loaded machine can keep the test from looking in
        // time; then the run is killed and the test starts over in a fresh project.
        for attempt in 1...3 {
            let project = try temporaryProject("interrupt")
            try Data(input).write(to: URL(fileURLWithPath: project + "/data/in.jsonl"))
            try """
                version: 1
                name: interrupt
                source: { file: { path: data/in.jsonl, key: id } }
                sinks: [ jsonl: data/out.jsonl ]
                batch: { size: 100 }
                """.write(toFile: project + "/pipelines/interrupt.yaml", atomically: true, encoding: .utf8)
            let process = try HuiliuCommand.start(["run", "interrupt"], in: project)
            try await eventually("the run to write") { !process.isRunning || fileSize(project + "/data/out.jsonl") > 0 }
            guard try await freezeMidRun(process, output: project + "/data/out.jsonl", total: records / 2) else {
                process.signal(SIGKILL)
                await HuiliuCommand.exit(of: process)
                if attempt == 3 { Issue.record("the run was past half-way before the test could interrupt it, three times") }
                continue
            }
            process.signal(stop)
            process.signal(SIGCONT)
            let ended = await HuiliuCommand.exit(of: process)
            #expect(ended.signal == nil && ended.status == 128 + stop, "exit \(ended)")
            let runs = try await HuiliuCommand.run(["runs", "--json", "--limit", "1"], in: project)
            let last = try JSONReader.parse(String(runs.stdout.split(separator: "\n").first ?? ""))
            #expect(last["status"] == "cancelled")
            let written = try #require(last["records_written"]?.intValue)
            #expect(written > 0 && written < records && written % 100 == 0, "\(written) written")
            #expect(try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n").count == written)

            let rest = try await HuiliuCommand.run(["run", "interrupt"], in: project)
            #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
            let subjects = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
                .map { try JSONReader.parse(String($0))["subject"]?.stringValue ?? "" }
            #expect(subjects == (1...records).map { "I\($0)" })
            return
        }
    }

    /// Freezes `process` (SIGSTOP) and tells whether it was then in the middle of its run:
    /// still there, with fewer than `total` lines in `output` (a sink writes each batch whole
    /// before the run can end). If not, the process is let go on (SIGCONT); if so, it stays
    /// frozen for the caller to signal.
    func freezeMidRun(_ process: SpawnedProcess, output: String, total: Int) async throws -> Bool {
        // Not once it ended (and was reaped): its number may be another's by now.
        guard process.isRunning else { return false }
        let pid = process.pid
        process.signal(SIGSTOP)
        try await eventually("process \(pid) to stop or end") {
            processState(pid).map { $0 == "T" || $0 == "Z" } ?? true
        }
        if processState(pid) == "T" && lineCount(output) < total { return true }
        process.signal(SIGCONT)
        return false
    }

    /// The state of process `pid` as /proc shows it (R, S, D, T for stopped, Z…), nil once it is gone.
    func processState(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let name = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: name)...].first { $0 != " " }
    }

    /// Whole lines in the file at `path`.
    func lineCount(_ path: String) -> Int {
        (FileManager.default.contents(atPath: path) ?? Data()).reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    func expectExactlyOnce(_ project: String) async throws {
        let expected = (1...Self.records).map { "ZF\($0)" }
        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let subjects = try lines.map { try JSONReader.parse(String($0))["subject"]?.stringValue ?? "" }
        #expect(subjects == expected, "jsonl holds \(subjects.count) events, \(Set(subjects).count) distinct")

        let query = try await HuiliuCommand.run(["runs", "--limit", "1"], in: project)
        #expect(query.status == 0)
        let count = try countRows(project + "/data/huiliu.db")
        #expect(count == Self.records)
    }

    /// Counts rows (and distinct subjects) in the events table through the sqlite3 library.
    func countRows(_ path: String) throws -> Int {
        let db = try SQLiteProbe(path: path)
        let total = try db.integer("SELECT count(*) FROM events_budget_payment_raw_v1")
        let distinct = try db.integer("SELECT count(DISTINCT subject) FROM events_budget_payment_raw_v1")
        #expect(total == distinct)
        return total
    }
}
