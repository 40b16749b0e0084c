import ArgumentParser

/// `huiliu connector …`: the connector development kit.
struct ConnectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connector",
        abstract: "The connector development kit: list, document, scaffold, check, record and test connectors.",
        discussion: """
            A connector declared in connectors/<name>/connector.yaml is a source kind like the built-ins. \
            Typical loop: `connector new NAME --template rest`, edit connector.yaml and mappings/, \
            `connector check NAME --config F`, `connector record NAME --config F`, `connector test NAME`.
            """,
        subcommands: [List.self, Spec.self, Format.self, New.self, Check.self, Record.self, Test.self])
}
