import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuEngine

extension ConnectorCommand {
    /// `huiliu connector spec NAME`.
    struct Spec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a connector's configuration reference.",
            discussion: """
                The reference is generated from the same field declarations that parsing and lint use; for a \
                connector declared in connectors/<name>/connector.yaml, from its manifest. `--format readme` \
                prints (and with --write, writes) a manifest connector's README.md. `pipeline` and `gateway` \
                print the references of a pipeline file and of config/huiliu.yaml.

                Examples:
                  huiliu connector spec file
                  huiliu connector spec pipeline
                  huiliu connector spec sqlite --format json-schema
                  huiliu connector spec budget-network --format readme --write
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case markdown
            case jsonSchema = "json-schema"
            case readme
        }

        @OptionGroup var options: ConnectorOptions

        @Argument(help: "Connector name.")
        var name: String

        @Option(help: "Which kind, when a source and a sink share a name.")
        var kind: ComponentKind?

        @Option(help: "markdown, json-schema or readme.")
        var format: Format = .markdown

        @Flag(help: "With --format readme: write connectors/<name>/README.md instead of printing it.")
        var write = false

        func run() async throws {
            let gateway = try? GatewayConfig.load(path: options.gatewayFile)
            let registry = try builtInRegistry(gateway)
            // The file references, unless a connector has taken the name.
            if FileReference.names.contains(name), kind == nil, ComponentKind.allCases.allSatisfy({ registry.spec(named: name, kind: $0) == nil }),
               format != .readme || !FileManager.default.fileExists(atPath: (gateway?.projectDirectory ?? ".") + "/connectors/\(name)/connector.yaml") {
                guard format == .markdown else {
                    printError("the \(name) reference is Markdown only: huiliu connector spec \(name)")
                    throw ExitCode(2)
                }
                print(FileReference.markdown(name))
                return
            }
            if format == .readme {
                let workspace = try ConnectorWorkspace(options)
                let manifest = try workspace.manifest(name)
                let text = ConnectorReadme.markdown(manifest)
                if write {
                    try text.write(toFile: manifest.directory + "/README.md", atomically: true, encoding: .utf8)
                    print("wrote connectors/\(name)/README.md")
                } else {
                    print(text, terminator: "")
                }
                return
            }
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
            case .markdown, .readme: print(spec.markdown, terminator: "")
            case .jsonSchema: print(spec.jsonSchema.prettyJSONText)
            }
        }
    }

    /// `huiliu connector format`.
    struct Format: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "format",
            abstract: "Print the reference of the connector manifest format (connector.yaml), generated from its field specs.")

        func run() async throws {
            print(ManifestSchema.markdown)
        }
    }
}
