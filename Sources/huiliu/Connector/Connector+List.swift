public import ArgumentParser
import Foundation
import HuiliuEngine
import HuiliuKit

extension ConnectorCommand {
    /// `huiliu connector list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every available source, step and sink.",
            discussion: "Example:\n  huiliu connector list --kind sink")

        @Option(help: "Only this kind: source, step or sink.")
        var kind: ComponentKind?

        @OptionGroup var options: ConnectorOptions

        func run() async throws {
            // Outside a project only the built-in components exist; the project's manifest
            // connectors are listed when the command can find them.
            let gateway: GatewayConfig?
            if let file = options.gatewayFile {
                do {
                    gateway = try GatewayConfig.load(path: file)
                } catch {
                    printError(error.description)
                    throw ExitCode(2)
                }
            } else if isProject(FileManager.default.currentDirectoryPath) {
                gateway = nil
            } else {
                printError("\(FileManager.default.currentDirectoryPath) is not a Huiliu project: only the built-in components are listed, not the project's connectors (run from the project's folder, or name its configuration with --gateway)")
                gateway = nil
            }
            let registry = try builtInRegistry(gateway)
            var rows = [["KIND", "NAME", "STATUS", "SUMMARY"]]
            for spec in registry.allSpecs where kind == nil || spec.kind == kind {
                rows.append([spec.kind.rawValue, spec.name, spec.status.description, spec.summary])
            }
            print(table(rows))
        }
    }
}

extension ComponentKind: ExpressibleByArgument {}
