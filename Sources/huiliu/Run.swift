import ArgumentParser
import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuStore
import Synchronization
import UnixSignals

extension Huiliu {
    /// `huiliu run PIPELINE`: one sync now.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a pipeline once, now.",
            discussion: """
                PIPELINE is a pipeline name from the files config/huiliu.yaml lists, or a path to a pipeline file. \
                The run resumes from the last committed checkpoint. On a terminal, progress is shown live; \
                a summary is printed at the end.

                Examples:
                  huiliu run budget-payments
                  huiliu run pipelines/budget-payments.yaml --reset
                  huiliu run budget-network-api --backfill "2024-01-01..2024-02-01"

                --backfill reads a range of the source's cursor again (dates, times or ids, as the source's \
                cursor is written) without moving the saved cursor, so the next scheduled run resumes where it \
                would have. When a daemon runs for the project, the run (backfill included) goes through it, \
                unless --standalone or --reset.
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "Pipeline name or file.")
        var pipeline: String

        @Flag(help: "Forget the committed checkpoint and read from the start. Events keep their ids: a sqlite sink updates them in place, a jsonl sink appends them again.")
        var reset = false

        @Flag(help: "Run now (the default; kept for scripts that say so).")
        var now = false

        @Flag(help: "Run in this process even when a daemon is running for the project.")
        var standalone = false

        @Option(help: "Admin API bearer token, when the run goes through a running daemon.")
        var token: String?

        @Option(help: "Read the cursor range FROM..TO again without moving the saved cursor.")
        var backfill: String?

        func validate() throws {
            if let backfill, BackfillRange(parsing: backfill) == nil {
                throw ValidationError("--backfill takes FROM..TO, such as 2024-01-01..2024-02-01; got '\(backfill)'")
            }
            if let backfill, let range = BackfillRange(parsing: backfill), range.isEmpty {
                throw ValidationError("--backfill \(backfill) is empty: FROM must come before TO, which is not included")
            }
            // A backfill leaves the saved cursor alone; a reset forgets it: together, the next
            // run read everything again.
            if backfill != nil && reset {
                throw ValidationError("--backfill and --reset cannot be combined: a backfill keeps the saved cursor, --reset forgets it")
            }
        }

        func run() async throws {
            let gateway = try options.gateway()
            let registry = try builtInRegistry(gateway)
            let lookup = PipelineLookup(gateway: gateway, registry: registry)
            let definition = try lookup.load(pipeline)
            let services = try gatewayServices(gateway)
            try lookup.checkComponents(definition, services: services)
            if !standalone && !reset, let daemon = DaemonClient.find(gateway, token: token) {
                // The daemon would accept the request and then find the pipeline locked by the
                // process running it; say so here instead of waiting for a run that never starts.
                guard try await PipelineLock.acquire(pipeline: definition.name, gateway: gateway) != nil else {
                    printError("\(definition.name): already running (in the daemon or another huiliu run)")
                    throw ExitCode(2)
                }
                try await runThroughDaemon(daemon, definition)
                return
            }
            let store = try gateway.openStateStoreOrExit()
            if reset {
                // Under the pipeline's lock, so a run elsewhere cannot commit over the reset.
                guard let lock = try await PipelineLock.acquire(pipeline: definition.name, gateway: gateway) else {
                    printError("\(definition.name): already running (in the daemon or another huiliu run); not reset")
                    throw ExitCode(2)
                }
                try await store.resetCheckpoints(pipeline: definition.name)
                withExtendedLifetime(lock) {}
            }
            var runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                        logger: options.logger(), services: services)
            runner.backfill = backfill.flatMap(BackfillRange.init(parsing:))
            if runner.backfill != nil {
                do {
                    try runner.checkBackfill()
                } catch {
                    printError("\(definition.name): cannot backfill: \(error)")
                    throw ExitCode(2)
                }
            }
            let reporter = ProgressReporter(pipeline: definition.name, live: isTerminal(2))
            // Ctrl-C or SIGTERM stops at the next batch boundary with what came before committed,
            // and the run is recorded as cancelled; a second one quits at once.
            let control = RunControl()
            let name = definition.name
            // The exit status of a run a signal stopped: 128 + its number, as shells report it
            // (130 for Ctrl-C, 143 for SIGTERM).
            let stoppedBy = Mutex<Int32>(SIGINT)
            let signals = Task {
                var received = 0
                for await signal in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                    received += 1
                    stoppedBy.withLock { $0 = signal.rawValue }
                    if received > 1 {
                        // Quitting now: the run is recorded as interrupted, not left running.
                        _ = try? await store.markInterruptedRuns(pipeline: name, reason: "quit by \(signal) before its next batch boundary")
                        Foundation.exit(128 + signal.rawValue)
                    }
                    printError("\n\(name): \(signal): stopping at the next batch boundary (again to quit at once)")
                    control.requestStop()
                }
            }
            defer { signals.cancel() }
            let record: RunRecord
            do {
                // A TRACEPARENT in the environment (OpenTelemetry's carrier for processes) makes
                // the run part of the caller's trace.
                let parent = ProcessInfo.processInfo.environment["TRACEPARENT"].flatMap(TraceContext.init(traceparent:))
                record = try await TraceContext.$current.withValue(parent) {
                    try await runner.run(trigger: "cli", control: control) { reporter.update($0) }
                }
            } catch {
                reporter.finish()
                printError("\(definition.name): \(error)")
                throw ExitCode(2)
            }
            reporter.finish()
            // Events on standard output (a stdout sink) keep it to themselves: the summary
            // goes to standard error then, so `huiliu run p > events.jsonl` stays JSON Lines.
            if definition.sinks.contains(where: { $0.name == "stdout" }) {
                printError(summary(of: record))
            } else {
                print(summary(of: record))
            }
            if record.status == .cancelled && control.isStopRequested { throw ExitCode(128 + stoppedBy.withLock { $0 }) }
            if record.status != .succeeded { throw ExitCode(1) }
        }

        /// Whether the pipeline file names an environment variable: run by the daemon, it gets
        /// the daemon's value, which a variable set for this command does not change.
        static func readsEnvironment(_ file: String) -> Bool {
            (try? String(contentsOfFile: file, encoding: .utf8))?.contains("${env:") ?? false
        }

        /// Asks the running daemon to run the pipeline and follows the run until it ends.
        func runThroughDaemon(_ daemon: DaemonClient, _ definition: PipelineDefinition) async throws {
            let name = definition.name
            // The daemon runs the copy it loaded: one that differs from the file here would run
            // other steps and sinks than the user just wrote, and commit past them for good.
            let (found, loaded) = try await daemon.ask("GET", "api/v1/pipelines/\(name)")
            guard found != 404 else {
                printError("the running daemon has no pipeline '\(name)' (it runs the pipelines of its project): put the file where config/huiliu.yaml's `pipelines` patterns look and `huiliu reload` (a change to config/huiliu.yaml itself needs the daemon restarted), or run it here with --standalone")
                throw ExitCode(2)
            }
            guard found == 200 else {
                printError("the daemon refused: \(loaded["error"]?.stringValue ?? "status \(found)")")
                throw ExitCode(2)
            }
            let theirFile = loaded["file"]?.stringValue.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            if let theirFile, theirFile != URL(fileURLWithPath: definition.file).resolvingSymlinksInPath().path {
                printError("the running daemon's pipeline '\(name)' is \(theirFile), not \(definition.file): run this one here with --standalone")
                throw ExitCode(2)
            }
            if let theirs = loaded["file_sha256"]?.stringValue, let ours = definition.fileDigest, theirs != ours {
                printError("the running daemon loaded \(definition.file) before it last changed: `huiliu reload` to run this version, or run it here with --standalone (the daemon also runs its own copies of mappings and manifests until a reload)")
                throw ExitCode(2)
            }
            let before = Date()
            let (status, body) = try await daemon.ask("POST", "api/v1/pipelines/\(name)/runs",
                                                          body: backfill.map { ["backfill": .string($0)] })
            guard status == 202 else {
                printError("the daemon refused: \(body["error"]?.stringValue ?? "status \(status)")")
                // Already running, unknown, shutting down: the command could not run.
                throw ExitCode(2)
            }
            printError("\(name): started by the running daemon; following it (Ctrl-C stops following, not the run)"
                + (Self.readsEnvironment(definition.file) ? "; the daemon's environment, not this shell's, fills its ${env:…} (--standalone runs it here)" : ""))
            // Polls in a row that found the run's record running but the daemon running nothing of
            // the pipeline: its end could not be recorded (the state store was unreachable then).
            var orphaned = 0
            // Polls that found neither the run's record nor the pipeline running: the daemon
            // accepted the run, but could not start it.
            var missing = 0
            var silentSince: Date?
            while true {
                try await Task.sleep(for: .milliseconds(300))
                let list: Value
                do {
                    (_, list) = try await daemon.request("GET", "api/v1/runs?pipeline=\(name)&limit=5")
                    silentSince = nil
                } catch {
                    // A daemon waiting for a locked or slow state store answers late, but is there;
                    // one silent for minutes is not followed for ever.
                    if daemon.isAlive && silentSince == nil { printError("\(name): the daemon is not answering (\(error)); still following") }
                    let since = silentSince ?? Date()
                    silentSince = since
                    if daemon.isAlive && Date().timeIntervalSince(since) < 300 { continue }
                    if daemon.isAlive {
                        printError("\(name): the daemon has not answered for 5 minutes; no longer following: `huiliu runs --pipeline \(name)` shows how its run ends")
                        throw ExitCode(1)
                    }
                    // The daemon stopped (SIGTERM stops its runs at a batch boundary, committed).
                    printError("""
                        \(name): the daemon stopped while running it (shut down?); its run was stopped at a batch \
                        boundary with what came before committed: `huiliu runs --pipeline \(name)` shows how it ended
                        """)
                    throw ExitCode(1)
                }
                // The daemon's runs started for a request carry trigger `api:<token name>`; a `huiliu
                // run --standalone` started at the same moment is not this one.
                let run = list["runs"]?.arrayValue?.first { run in
                    guard let trigger = run["trigger"]?.stringValue, trigger == "api" || trigger.hasPrefix("api:"),
                          let started = run["started_at"]?.stringValue,
                          let date = Timestamp.parse(started) else { return false }
                    return date >= before.addingTimeInterval(-1)
                }
                if let run, run["status"]?.stringValue == "running" {
                    let status = try? await daemon.request("GET", "api/v1/status").1
                    let active = status?["running"]?.arrayValue?.contains { $0["pipeline"]?.stringValue == name } ?? true
                    orphaned = active ? 0 : orphaned + 1
                    guard orphaned >= 10 else { continue }
                    printError("""
                        \(name): the daemon has finished the run, but its record still says running: its end could not be \
                        recorded (was the state store unreachable?); the daemon's log says how it ended, and the next run marks it interrupted
                        """)
                    throw ExitCode(1)
                }
                guard let run else {
                    let status = try? await daemon.request("GET", "api/v1/status").1
                    let active = status?["running"]?.arrayValue?.contains { $0["pipeline"]?.stringValue == name } ?? true
                    missing = active ? 0 : missing + 1
                    guard missing >= 10 else { continue }
                    printError("""
                        \(name): the daemon accepted the run but did not start it (another run of the pipeline held it, or the \
                        state store was locked or unreachable): the daemon's log says why
                        """)
                    throw ExitCode(1)
                }
                let record = RunRecord(id: run["id"]?.stringValue ?? "", pipeline: name, trigger: run["trigger"]?.stringValue ?? "api",
                                       startedAt: run["started_at"]?.stringValue ?? "", finishedAt: run["finished_at"]?.stringValue,
                                       status: RunStatus(rawValue: run["status"]?.stringValue ?? "") ?? .failed,
                                       recordsRead: run["records_read"]?.intValue ?? 0, recordsWritten: run["records_written"]?.intValue ?? 0,
                                       recordsFailed: run["records_failed"]?.intValue ?? 0, error: run["error"]?.stringValue)
                print(summary(of: record))
                if record.status != .succeeded { throw ExitCode(1) }
                return
            }
        }
    }
}
