import ArgumentParser
import HuiliuCore
import HuiliuKit

extension ConnectorCommand {
    /// `huiliu connector spec NAME`.
    struct Spec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a connector's configuration reference.",
            discussion: """
                The reference is generated from the same field declarations that parsing and lint use.

                Examples:
                  huiliu connector spec file
                  huiliu connector spec sqlite --format json-schema
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case markdown
            case jsonSchema = "json-schema"
        }

        @Argument(help: "Connector name.")
        var name: String

        @Option(help: "Which kind, when a source and a sink share a name.")
        var kind: ComponentKind?

        @Option(help: "markdown or json-schema.")
        var format: Format = .markdown

        func run() async throws {
            let registry = try builtInRegistry()
            let kinds = kind.map { [$0] } ?? ComponentKind.allCases
            let matches = kinds.compactMap { registry.spec(named: name, kind: $0) }
            guard let spec = matches.first else {
                let all = registry.allSpecs.map(\.name)
                printError("no connector called '\(name)'" + (nearestName(to: name, in: all).map { "; did you mean '\($0)'?" } ?? ""))
                throw ExitCode(2)
            }
            if matches.count > 1 {
                printError("'\(name)' names several kinds (\(matches.map(\.kind.rawValue).joined(separator: ", "))); showing the \(spec.kind); use --kind to choose")
            }
            switch format {
            case .markdown: print(spec.markdown, terminator: "")
            case .jsonSchema: print(spec.jsonSchema.prettyJSONText)
            }
        }
    }
}
