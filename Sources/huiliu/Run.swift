import ArgumentParser
import Foundation
import HuiliuEngine
import HuiliuKit
import HuiliuStore

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
                  huiliu run pipelines/demo-payments.yaml --reset
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "Pipeline name or file.")
        var pipeline: String

        @Flag(help: "Forget the committed checkpoint and read from the start (events upsert by id, so nothing doubles).")
        var reset = false

        func run() async throws {
            let gateway = try options.gateway()
            let registry = try builtInRegistry()
            let definition = try PipelineLookup(gateway: gateway, registry: registry).load(pipeline)
            let store = try SQLiteStateStore(path: gateway.storePath)
            let services = try gatewayServices(gateway)
            if reset { try await store.resetCheckpoints(pipeline: definition.name) }
            let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                        logger: options.logger(), services: services)
            let reporter = ProgressReporter(pipeline: definition.name, live: isTerminal(2))
            let record: RunRecord
            do {
                record = try await runner.run(trigger: "cli") { reporter.update($0) }
            } catch {
                reporter.finish()
                printError("\(definition.name): \(error)")
                throw ExitCode(2)
            }
            reporter.finish()
            print(summary(of: record))
            if record.status != .succeeded { throw ExitCode(1) }
        }
    }
}
