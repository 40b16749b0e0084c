import ArgumentParser

/// `huiliu connector …`: the connector development kit.
struct ConnectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connector",
        abstract: "List and document connectors (sources, steps, sinks).",
        subcommands: [List.self, Spec.self])
}
