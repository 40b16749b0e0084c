import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuSchema

extension Huiliu {
    /// `huiliu schema …`: the common schema.
    struct SchemaCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema",
            abstract: "The common schema: reference docs and validation of entity files.",
            subcommands: [Docs.self, Validate.self])
    }
}

extension Huiliu.SchemaCommand {
    struct Docs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the reference of every entity and field of the common schema (Markdown).",
            discussion: "Example:\n  huiliu schema docs > common-schema.md")

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let resources = try MappingResources.load(configDirectory: try options.gateway().configDirectory)
            print(SchemaDocs.markdown(resources.schemas), terminator: "")
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate entities in a JSON or JSON Lines file against an entity's schema.",
            discussion: "Example:\n  huiliu schema validate budget.payment payments.jsonl")

        @OptionGroup var options: GlobalOptions

        @Argument(help: "Entity or event type, such as budget.payment or budget.payment.v1.")
        var entity: String

        @Argument(help: "A JSON file (an entity or an array of them) or a JSON Lines file; of CloudEvents envelopes (a sink's output), their data is validated.")
        var file: String

        func run() async throws {
            let resources = try MappingResources.load(configDirectory: try options.gateway().configDirectory)
            guard let uri = resources.schemaURI(for: entity), let schema = try? resources.schemas.schema(uri) else {
                printError("unknown entity '\(entity)'; config/schema has \(resources.entityNames.joined(separator: ", "))")
                throw ExitCode(2)
            }
            let data = try readInput(file, json: true)
            var documents: [(String, Value)] = []
            if let whole = try? JSONReader.parse([UInt8](data)) {
                documents = (whole.arrayValue ?? [whole]).enumerated().map { ("\(file)#\($0.offset + 1)", $0.element) }
            } else {
                for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    do {
                        documents.append(("\(file):\(index + 1)", try JSONReader.parse(String(line))))
                    } catch {
                        printError("\(file):\(index + 1): invalid JSON: \(error)")
                        throw ExitCode(2)
                    }
                }
            }
            var invalid = 0
            var unwrapped = 0
            var otherTypes = 0
            for (place, read) in documents {
                // A sink's output holds CloudEvents envelopes: the entity is the `data` of those of its
                // type; another type's (an HJ 212 sink's assessments beside its measurements) is left out.
                var document = read
                if read["specversion"] != nil {
                    guard let type = read["type"]?.stringValue, resources.schemaURI(for: type) == uri, let data = read["data"] else {
                        otherTypes += 1
                        continue
                    }
                    document = data
                    unwrapped += 1
                }
                let errors = schema.validate(document)
                if !errors.isEmpty { invalid += 1 }
                for error in errors { print("\(place): \(error)") }
            }
            if unwrapped > 0 { printError("\(unwrapped == documents.count ? "all" : "\(unwrapped)") CloudEvents envelopes: their data validated") }
            if otherTypes > 0 { printError("\(otherTypes) envelope\(otherTypes == 1 ? "" : "s") of another type (or without data) left out") }
            let checked = documents.count - otherTypes
            printError("\(checked - invalid) of \(checked) valid against \(uri)")
            // Nothing of the entity checked is no success: the file holds something else.
            if invalid > 0 || (checked == 0 && !documents.isEmpty) { throw ExitCode(1) }
        }
    }
}
