import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuKit
import HuiliuEngine
import HuiliuReplay

extension ConnectorCommand {
    /// `huiliu connector test [NAME…]`.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay connectors' fixtures through a loopback server and compare the output with the golden files.",
            discussion: """
                Each stream's recorded responses are served on a loopback port and read through the connector \
                with real HTTP and the real transport, the recording's clock and dummy secrets. The normalized \
                output (one CloudEvents envelope per line, rejects, the final checkpoint) must equal \
                fixtures/expected/<stream>.jsonl; a diff is printed when it does not. With no NAME, every connector \
                with fixtures is tested. Requests are matched by method, path, query and body; headers, \
                credentials and signatures are not compared (the replay holds dummy secrets), so an auth or \
                signing change is tested by `huiliu connector check` against the live system. \
                Exit status: 0 all passed, 1 a mismatch, 2 a connector could not run.

                Examples:
                  huiliu connector test budget-network
                  huiliu connector test --update court     # accept the new output as golden
                """)

        @OptionGroup var options: ConnectorOptions

        @Argument(help: "Connector names (default: every connector with fixtures).")
        var names: [String] = []

        @Flag(help: "Write the output as the new golden files instead of comparing.")
        var update = false

        func run() async throws {
            let workspace = try ConnectorWorkspace(options)
            let names = self.names.isEmpty
                ? workspace.loader.manifestFiles().map { (($0 as NSString).deletingLastPathComponent as NSString).lastPathComponent }
                    .filter { FileManager.default.fileExists(atPath: workspace.directory($0) + "/fixtures/config.yaml") }
                : self.names
            var failed = false
            for name in names {
                let manifest = try workspace.manifest(name)
                failed = try await !Self.replay(workspace, manifest: manifest, update: update, streams: nil) || failed
            }
            if failed { throw ExitCode(1) }
        }

        /// Replays `streams` (default: every recorded one) of `manifest`; prints a line per stream and a diff on mismatch.
        @discardableResult
        static func replay(_ workspace: ConnectorWorkspace, manifest: ConnectorManifest, update: Bool, streams: [String]?) async throws -> Bool {
            guard let fixtures = try ConnectorFixtures.load(connectorDirectory: manifest.directory, display: "connectors/\(manifest.name)") else {
                printError("\(manifest.name): no fixtures/config.yaml; record some with `huiliu connector record \(manifest.name) --config F`")
                throw ExitCode(2)
            }
            let replay = ConnectorReplay(manifest: manifest, fixtures: fixtures, projectDirectory: workspace.gateway.projectDirectory,
                                         services: workspace.services)
            var passed = true
            if streams == nil {
                let untested = manifest.streams.map(\.name).filter { !fixtures.streams.contains($0) }
                if !untested.isEmpty {
                    print("note \(manifest.name): no fixtures for \(untested.joined(separator: ", ")) (untested; `huiliu connector record \(manifest.name) --config F --stream NAME` records one)")
                }
            }
            for stream in streams ?? fixtures.streams {
                let result: ConnectorReplay.Result
                do {
                    result = try await replay.run(stream)
                } catch {
                    printError("FAIL \(manifest.name)/\(stream): \(error)")
                    passed = false
                    continue
                }
                if update {
                    try fixtures.writeExpected(stream, result.lines)
                    print("wrote \(manifest.name)/\(stream): \(result.lines.count) lines to fixtures/expected/\(stream).jsonl")
                } else if result.expected == nil {
                    print("FAIL \(manifest.name)/\(stream): no fixtures/expected/\(stream).jsonl (run with --update to create it)")
                    passed = false
                } else if result.passed {
                    print("ok   \(manifest.name)/\(stream): \(result.lines.count) lines match fixtures/expected/\(stream).jsonl")
                } else {
                    print("FAIL \(manifest.name)/\(stream): output differs from fixtures/expected/\(stream).jsonl")
                    if !result.unmatched.isEmpty {
                        print("  \(result.unmatched.count) request\(result.unmatched.count == 1 ? "" : "s") had no recording, the first:")
                        print(result.unmatched[0].split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                    }
                    print(result.diff())
                    passed = false
                }
            }
            return passed
        }
    }
}
