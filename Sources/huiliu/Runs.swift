import ArgumentParser
import Foundation
import HuiliuEngine
import HuiliuStore

extension Huiliu {
    /// `huiliu runs`: run history.
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List past runs, newest first.",
            discussion: """
                A run recorded running whose process is gone (its pipeline's lock is free: killed, out of memory) \
                is marked interrupted first. The trigger says what started a run: schedule, retry (a scheduled run \
                tried again), cli, replay, demo, bench, or api:<token name> for the admin API.

                Examples:
                  huiliu runs
                  huiliu runs --pipeline budget-payments --failed
                """)

        @OptionGroup var options: GlobalOptions

        @Option(help: "Only runs of this pipeline.")
        var pipeline: String?

        @Flag(help: "Only runs that did not succeed: failed, interrupted or cancelled.")
        var failed = false

        @Option(help: "How many runs to show.")
        var limit = 20

        @Flag(help: "Print JSON lines instead of a table.")
        var json = false

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1, not \(limit)") }
        }

        /// The start of an error's first line for the table (a process's error ends with its stderr's last lines).
        static func firstLine(_ error: String) -> String {
            let line = error.prefix { $0 != "\n" && $0 != "\r" }
            return line.count > 60 || line.count < error.count ? String(line.prefix(60)) + "…" : String(line)
        }

        func run() async throws {
            let gateway = try options.gateway()
            let store = try gateway.openStateStoreOrExit()
            // A run whose process was killed would show `running` until its pipeline runs again.
            _ = try? await StaleRuns.mark(store: store, gateway: gateway)
            var runs: [RunRecord]
            if failed {
                // Each status asked of the store: failures behind thousands of succeeded runs are still found.
                runs = []
                for status in [RunStatus.failed, .interrupted, .cancelled] {
                    runs += try await store.runs(pipeline: pipeline, status: status, limit: limit)
                }
                runs = Array(runs.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }.prefix(limit))
            } else {
                runs = try await store.runs(pipeline: pipeline, status: nil, limit: limit)
            }
            // Runs of a pipeline removed since are still listed; a name with none is a typo.
            if runs.isEmpty, let pipeline, !gateway.pipelineFiles().contains(where: { PipelineLookup.declaredName(of: $0) == pipeline }) {
                printError("no runs of '\(pipeline)', and no pipeline of that name in this project")
                throw ExitCode(2)
            }
            if json {
                for run in runs { print(Self.json(run).jsonText) }
                return
            }
            guard !runs.isEmpty else {
                print(failed ? "no failed, interrupted or cancelled runs" : pipeline.map { "no runs of '\($0)' yet" } ?? "no runs yet")
                return
            }
            // Wall times of the gateway's zone, as `status` shows them (the JSON keeps UTC).
            let local = Huiliu.Status.localTime(zone: gateway.timezone)
            var rows = [["RUN", "PIPELINE", "TRIGGER", "STATUS", "STARTED", "SECONDS", "READ", "WRITTEN", "FAILED", "ERROR"]]
            for run in runs {
                rows.append([run.id, run.pipeline, run.trigger, run.status.rawValue, local(run.startedAt),
                             run.duration.map { String(format: "%.2f", $0) } ?? "-",
                             grouped(run.recordsRead), grouped(run.recordsWritten), grouped(run.recordsFailed),
                             run.error.map(Self.firstLine) ?? ""])
            }
            print(table(rows))
        }

        static func json(_ run: RunRecord) -> Value { run.jsonValue }
    }
}

import HuiliuCore

/// Left-aligned columns separated by two spaces; widths count characters.
func table(_ rows: [[String]]) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], displayWidth(cell)) } }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - displayWidth(cell))
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// Terminal columns a string takes: CJK characters are two wide.
func displayWidth(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { width, scalar in
        let v = scalar.value
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
        return width + (wide ? 2 : 1)
    }
}
