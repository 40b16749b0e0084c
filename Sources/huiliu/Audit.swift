import ArgumentParser
import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuStore

extension Huiliu {
    /// `huiliu audit verify|show`: the provenance chains of pipelines with `provenance: true`.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove what was received and delivered: check and show provenance chains.",
            discussion: """
                A pipeline with `provenance: true` records every committed batch in a hash chain: when, \
                from which source, and SHA-256 digests of the records received and of the events each \
                sink was given. Each entry's hash is SHA-256 of its text and the next entry names it, so \
                an entry altered, removed or inserted afterwards breaks the chain there — unless whoever \
                did it rewrote every entry after it too, which the chain has no key to prevent. Keep the \
                head hash `verify` prints outside the store (in a report, on the congress platform): \
                against it, a rewritten or cut chain shows.

                Examples:
                  huiliu audit verify                    # every chain, and every file their jsonl sinks wrote
                  huiliu audit verify environment-readings --chain-only
                  huiliu audit show budget-payments --text | head -1
                """,
            subcommands: [Verify.self, Show.self])
    }
}

extension Huiliu.Audit {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check pipelines' chains, and a jsonl sink's file against one; exit 1 if anything is wrong.")

        @OptionGroup var options: GlobalOptions

        @Argument(help: "Pipelines to check (default: every pipeline with a chain).")
        var pipelines: [String] = []

        @Option(help: "A file a jsonl sink of the (one) pipeline wrote: check each committed batch's bytes against the chain (by default, every file the chain records is checked where it was written).")
        var jsonl: String?

        @Flag(help: "Check the chains only, not the files their jsonl sinks wrote.")
        var chainOnly = false

        @Flag(help: "Print a JSON object per pipeline instead of text.")
        var json = false

        func run() async throws {
            let gateway = try options.gateway()
            let store = try gateway.openStateStoreOrExit()
            let chained = try await store.provenancePipelines()
            var names = pipelines.isEmpty ? chained : pipelines
            if let unknown = names.first(where: { !chained.contains($0) }) {
                printError("""
                    \(unknown) has no provenance chain\(chained.isEmpty ? "" : " (pipelines with one: \(chained.joined(separator: ", ")))"); \
                    a pipeline keeps one with `provenance: true`
                    """)
                throw ExitCode(2)
            }
            if jsonl != nil && names.count != 1 {
                printError("--jsonl checks a file against one pipeline's chain: name the pipeline")
                throw ExitCode(2)
            }
            names.sort()
            var failed = false
            let audit = ProvenanceAudit(store: store)
            // A pipeline that no longer keeps its chain commits checkpoints without entries.
            let keeping = Set(PipelineLookup(gateway: gateway, registry: try builtInRegistry(gateway)).all().filter(\.provenance).map(\.name))
            for name in names {
                let report: ProvenanceAudit.Report
                do {
                    report = try await audit.verify(pipeline: name, jsonl: jsonl, recordedFiles: !chainOnly,
                                                    checkpointCommitted: keeping.contains(name))
                } catch {
                    printError("\(name): \(error)")
                    throw ExitCode(2)
                }
                failed = failed || !report.problems.isEmpty
                print(json ? report.jsonValue().jsonText : Self.text(report))
            }
            if failed { throw ExitCode(1) }
        }

        static func text(_ report: ProvenanceAudit.Report) -> String {
            var lines = ["\(report.pipeline): \(grouped(report.entries)) entr\(report.entries == 1 ? "y" : "ies"), "
                + (report.problems.isEmpty ? "intact" : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
                + (report.head.map { "; head \($0)" } ?? "")]
            for file in report.files {
                var notes: [String] = []
                if file.rolledBack > 0 {
                    notes.append("\(grouped(file.rolledBack)) rolled back" + (file.awaitingCut > 0
                        ? " (\(grouped(file.awaitingCut)) bytes of them still at the end, as delivered, until the next run cuts them off)"
                        : " and written over, not checked"))
                }
                if file.emptied > 0 {
                    notes.append("\(grouped(file.emptied)) before the file was emptied, not checked")
                }
                if file.predating > 0 { notes.append("\(grouped(file.predating)) bytes from before the chain, not checked") }
                lines.append("  \(file.path): \(grouped(file.batches)) batch\(file.batches == 1 ? "" : "es"), \(grouped(file.events)) event\(file.events == 1 ? "" : "s"), "
                    + "\(grouped(file.bytes)) bytes as delivered" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))"))
                if let original = file.copyOf { lines.append("    the same contents as \(original), which the sink wrote (a copy, or moved to another file system)") }
            }
            lines += report.problems.map { "  ✗ " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a pipeline's provenance entries, newest last.")

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The pipeline.")
        var pipeline: String

        @Option(help: "How many of the newest entries to show (0: all).")
        var limit = 20

        @Flag(help: "Print each entry's stored text, one per line: `sha256sum` of a line (without its newline) is the entry's hash.")
        var text = false

        func run() async throws {
            let store = try options.gateway().openStateStoreOrExit()
            // Paged from the start, keeping only the newest `limit`: chains grow by a batch at a time.
            var links: [ProvenanceLink] = []
            var after = 0
            while true {
                let page = try await store.provenance(pipeline: pipeline, after: after, limit: 1000)
                guard let last = page.last else { break }
                links += page
                if limit > 0, links.count > limit { links.removeFirst(links.count - limit) }
                after = last.sequence
            }
            guard !links.isEmpty else {
                printError("\(pipeline) has no provenance chain; a pipeline keeps one with `provenance: true`")
                throw ExitCode(2)
            }
            if text {
                for link in links { print(link.text) }
                return
            }
            var rows = [["ENTRY", "RECORDED", "RUN", "BATCH", "RECORDS", "EVENTS BY SINK", "HASH"]]
            for link in links {
                let entry = (try? JSONReader.parse(link.text)) ?? .null
                let sinks = entry["sinks"]?.objectValue.map { sinks in
                    sinks.map { key, share in "\(key) \(share["events"]?.intValue ?? 0)" }.joined(separator: ", ")
                } ?? ""
                rows.append([String(link.sequence), entry["recorded_at"]?.stringValue ?? "", entry["run"]?.stringValue ?? "",
                             entry["batch"]?.intValue.map(String.init) ?? "", entry["input"]?["records"]?.intValue.map(grouped) ?? "",
                             sinks, String(link.hash.prefix(16))])
            }
            print(table(rows))
        }
    }
}
