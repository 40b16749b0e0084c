public import ArgumentParser
import HuiliuKit

extension ConnectorCommand {
    /// `huiliu connector list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every available source, step and sink.",
            discussion: "Example:\n  huiliu connector list --kind sink")

        @Option(help: "Only this kind: source, step or sink.")
        var kind: ComponentKind?

        func run() async throws {
            let registry = try builtInRegistry()
            var rows = [["KIND", "NAME", "STATUS", "SUMMARY"]]
            for spec in registry.allSpecs where kind == nil || spec.kind == kind {
                rows.append([spec.kind.rawValue, spec.name, spec.status.description, spec.summary])
            }
            print(table(rows))
        }
    }
}

extension ComponentKind: ExpressibleByArgument {}
