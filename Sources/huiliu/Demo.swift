import ArgumentParser
import Foundation
import HuiliuEngine
import HuiliuHJ212
import HuiliuKit
import HuiliuReplay
import HuiliuStore

extension Huiliu {
    /// `huiliu demo`: every sample pipeline once into SQLite, then a summary.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every pipeline once into the embedded SQLite store and summarize.",
            discussion: """
                This is what `make demo` runs. The simulated upstream systems start in this process (their URL \
                is HUILIU_SIMULATOR_URL for the *-api pipelines), and emulated HJ 212 monitoring devices report to \
                the listener for a few seconds; then every pipeline runs. Checkpoints are reset first so the demo always shows \
                a full sync; events upsert by id, so running it again leaves the same rows.
                """)

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Resume from committed checkpoints instead of syncing everything again.")
        var keepCheckpoints = false

        @Option(help: "Seconds the emulated HJ 212 devices report before the pipelines run.")
        var devicesSeconds = 3

        func run() async throws {
            let gateway = try options.gateway()
            let registry = try builtInRegistry(gateway)
            let simulator = try await startSimulator(projectDirectory: gateway.projectDirectory)
            defer { Task { await simulator.stop() } }
            let lookup = PipelineLookup(gateway: gateway, registry: registry)
            let store = try SQLiteStateStore(path: gateway.storePath)
            let services = try gatewayServices(gateway)
            let pipelines = lookup.all().filter(\.enabled)
            guard !pipelines.isEmpty else {
                printError("no pipelines found (looked for \(gateway.pipelinePatterns.joined(separator: ", ")))")
                throw ExitCode(2)
            }
            print("Simulated upstream systems on \(simulator.url)")
            print("Huiliu demo: \(pipelines.count) pipelines from \(relative(gateway.projectDirectory + "/pipelines", to: FileManager.default.currentDirectoryPath))\n")
            if pipelines.contains(where: { $0.source.name == "hj212" }) {
                let report = try await emulateDevices(gateway, seconds: devicesSeconds)
                // HJ 212-2005 devices and corrupted frames ask for no answer: the count says of how many.
                print("HJ 212: \(report.devices) emulated monitoring devices sent \(report.sent) frames; \(report.acknowledged) of the \(report.expectingAnswer) that asked for an answer acknowledged after durable buffering"
                    + (report.corrupted > 0 ? " (\(report.corrupted) corrupted on purpose, rejected)" : "") + "\n")
            }
            var failed = false
            for definition in pipelines {
                if !keepCheckpoints { try await store.resetCheckpoints(pipeline: definition.name) }
                let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                            logger: options.logger(), services: services)
                let reporter = ProgressReporter(pipeline: definition.name, live: isTerminal(2))
                let record = try await runner.run(trigger: "demo") { reporter.update($0) }
                reporter.finish()
                print(summary(of: record))
                failed = failed || record.status != .succeeded
            }
            print("\nState and events: \(relative(gateway.storePath, to: FileManager.default.currentDirectoryPath))")
            let database = try SQLiteDatabase(path: gateway.storePath)
            let tables = try database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'events_%' ORDER BY name").rows()
            var rows = [["TABLE", "EVENTS"]]
            for table in tables.compactMap({ $0.first?.text }) {
                let count = try database.prepare("SELECT count(*) FROM \"\(table)\"").rows().first?.first?.integer ?? 0
                rows.append([table, grouped(count)])
            }
            let deadLetters = try database.prepare("SELECT count(*) FROM huiliu_dead_letters WHERE status = 'pending'").rows().first?.first?.integer ?? 0
            rows.append(["dead letters (pending)", grouped(deadLetters)])
            print(table(rows))
            // What the rules flagged, the part of the data a deputy reads first.
            if tables.contains(where: { $0.first?.text == "events_alert_v1" }) {
                let alerts = try database.prepare("""
                    SELECT json_extract(data, '$.rule'), json_extract(data, '$.severity'), count(*) FROM events_alert_v1
                    GROUP BY 1, 2 ORDER BY 1, CASE json_extract(data, '$.severity') WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END
                    """).rows()
                var byRule: [(rule: String, counts: [String])] = []
                for row in alerts {
                    let rule = row[0].text ?? "?", entry = "\(row[1].text ?? "?") \(grouped(row[2].integer ?? 0))"
                    if byRule.last?.rule == rule { byRule[byRule.count - 1].counts.append(entry) } else { byRule.append((rule, [entry])) }
                }
                // A rule that raised nothing is listed too: it ran and found nothing to flag.
                let ruleFiles = ((try? FileManager.default.contentsOfDirectory(atPath: gateway.configDirectory + "/rules")) ?? [])
                    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
                for rule in ruleFiles where !byRule.contains(where: { $0.rule == rule }) { byRule.append((rule, ["none"])) }
                byRule.sort { $0.rule < $1.rule }
                print("\nAlerts raised by the rules in config/rules/:")
                print(table([["RULE", "ALERTS"]] + byRule.map { [$0.rule, $0.counts.joined(separator: ", ")] }))
            }
            // What an auditor checks: every pipeline's chain of committed batches, link by link.
            var chains: [ProvenanceAudit.Report] = []
            let keeping = Set(pipelines.filter(\.provenance).map(\.name))
            for name in try await store.provenancePipelines() {
                chains.append(try await ProvenanceAudit(store: store).verify(pipeline: name, checkpointCommitted: keeping.contains(name)))
            }
            if !chains.isEmpty {
                let broken = chains.filter { !$0.problems.isEmpty }
                print("\nProvenance: \(chains.count) pipelines' hash chains, \(grouped(chains.reduce(0) { $0 + $1.entries })) committed batches, "
                    + (broken.isEmpty ? "all intact" : "broken: \(broken.map(\.pipeline).joined(separator: ", "))") + " (huiliu audit verify)")
                failed = failed || !broken.isEmpty
            }
            print("\nTry: huiliu runs    huiliu audit show budget-payments    sqlite3 \(relative(gateway.storePath, to: FileManager.default.currentDirectoryPath)) .tables")
            if failed { throw ExitCode(1) }
        }
    }
}
