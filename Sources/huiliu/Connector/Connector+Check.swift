import ArgumentParser
import HuiliuConnectors
import HuiliuKit
import HuiliuEngine

extension ConnectorCommand {
    /// `huiliu connector check NAME --config F`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test a connector's connectivity and credentials: render, authenticate, fetch one page.",
            discussion: """
                The --config file holds the fields a pipeline would set under the connector's kind (secrets as references). \
                Exit status: 0 every step worked, 1 a step failed, 2 the connector or configuration is invalid.

                Example:
                  huiliu connector check budget-network --config budget.yaml
                """)

        @OptionGroup var options: ConnectorOptions

        @Argument(help: "Connector name (a folder in connectors/).")
        var name: String

        @Option(help: "The connector's configuration file.")
        var config: String

        @Option(help: "The stream to fetch from (default: the manifest's check stream).")
        var stream: String?

        func run() async throws {
            let workspace = try ConnectorWorkspace(options)
            let manifest = try workspace.manifest(name)
            let parsed = try workspace.readConfig(config, manifest: manifest, stream: stream ?? manifest.checkStream)
            let source: DeclarativeSource
            do {
                source = try DeclarativeSource(manifest: manifest, config: parsed, context: workspace.context(services: workspace.services))
            } catch {
                printError("\(name): \(error)")
                throw ExitCode(2)
            }
            let report = await source.checkConnection()
            print(report.description)
            if !report.succeeded { throw ExitCode(1) }
        }
    }
}
