import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuKit

extension ConnectorTemplate: ExpressibleByArgument {}

extension ConnectorCommand {
    /// `huiliu connector new NAME --template rest|soap|file`.
    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scaffold a working connector folder: manifest, mapping, fixtures, golden output and README.",
            discussion: """
                The new connector reads organizations from a REST API (API key, page numbers), a SOAP service \
                (basic auth) or a folder of CSV files, maps them into the common schema's `organization`, and \
                passes `huiliu connector test NAME` as it is. Edit it to match the real system, then check, \
                record and test.

                Examples:
                  huiliu connector new land-registry --template rest
                  huiliu connector new water-bureau --template file
                """)

        @OptionGroup var options: ConnectorOptions

        @Argument(help: "Connector name: lower-case letters, digits and '-'.")
        var name: String

        @Option(help: "rest, soap or file.")
        var template: ConnectorTemplate = .rest

        @Flag(help: "Overwrite an existing folder's files.")
        var force = false

        func validate() throws {
            // Ending in '-' or with two together, a name reads as a slip (`county-`), and becomes
            // a type (`county-.…`) and a folder no one means.
            guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), !name.hasSuffix("-"), !name.contains("--"),
                  name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
                throw ValidationError("a connector name uses lower-case letters, digits and single '-' between them, starting with a letter; got '\(name)'")
            }
        }

        func run() async throws {
            let workspace = try ConnectorWorkspace(options)
            let directory = workspace.directory(name)
            let fm = FileManager.default
            if fm.fileExists(atPath: directory + "/connector.yaml") && !force {
                printError("connectors/\(name)/connector.yaml exists; use --force to overwrite")
                throw ExitCode(2)
            }
            if !fm.fileExists(atPath: directory + "/connector.yaml"),
               try builtInRegistry(workspace.gateway).spec(named: name, kind: .source) != nil {
                printError("'\(name)' is already a source kind; choose another name")
                throw ExitCode(2)
            }
            try fm.createDirectory(atPath: directory + "/mappings", withIntermediateDirectories: true)
            try template.manifest(name).write(toFile: directory + "/connector.yaml", atomically: true, encoding: .utf8)
            try template.mapping.write(toFile: directory + "/mappings/organizations.yaml", atomically: true, encoding: .utf8)
            let fixtures = directory + "/fixtures"
            if template == .file {
                try fm.createDirectory(atPath: fixtures + "/files", withIntermediateDirectories: true)
                for file in template.files { try file.text.write(toFile: fixtures + "/files/" + file.name, atomically: true, encoding: .utf8) }
            } else {
                try ConnectorFixtures.writeExchanges(template.exchanges, stream: "organizations", directory: fixtures)
            }
            try ConnectorFixtures.writeConfig(template.fixtureConfig, now: ConnectorContext.systemClock(), volatileNames: template.volatileNames,
                                              streams: ["organizations"], directory: fixtures,
                                              note: "Sample fixtures written by `huiliu connector new \(name) --template \(template.rawValue)`.")
            let manifest = try workspace.manifest(name)
            guard try await Test.replay(workspace, manifest: manifest, update: true, streams: nil) else { throw ExitCode(1) }
            try ConnectorReadme.markdown(manifest).write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
            print("""
                created connectors/\(name)/ (connector.yaml, mappings/organizations.yaml, fixtures/, README.md)
                next:
                  huiliu connector test \(name)
                  edit connectors/\(name)/connector.yaml and mappings/ for the real system
                  write \(name).local.yaml with the real system's settings (`huiliu connector spec \(name)` lists them), then
                  huiliu connector check \(name) --config \(name).local.yaml
                  huiliu connector record \(name) --config \(name).local.yaml
                """)
        }
    }
}
