import Foundation
public import HuiliuCore
public import HuiliuKit
import Logging

/// Runs an external connector — any executable speaking the Singer specification or the
/// Airbyte protocol — and turns its RECORD messages into records.
///
/// The state it emits is the checkpoint: a batch ends at each STATE message, so the engine
/// commits a state only after the sinks acknowledged every record before it, and the next
/// run passes it back with `--state`.
public struct ProcessSource: SourceConnector {
    public static let spec = ComponentSpec(
        name: "process", kind: .source,
        summary: "Runs a Singer tap or an Airbyte source as a child process; its state becomes the checkpoint.",
        details: """
            Singer: `COMMAND --config FILE [--catalog FILE] [--state FILE]`, reading SCHEMA, RECORD and STATE \
            messages. Airbyte: `COMMAND read --config FILE --catalog FILE [--state FILE]`, reading RECORD, STATE, \
            LOG and TRACE messages (a TRACE error fails the run). `config` is written to a private temporary file. \
            Records become events of type `type` (with `{stream}` replaced); the natural key comes from the \
            stream's key (Singer SCHEMA `key_properties`; the Airbyte catalog's `primary_key`, else the stream's \
            `source_defined_primary_key`; an Airbyte namespace is part of the stream's name) unless `key` names \
            a field. A record of a stream with a key that lacks it is a dead letter; a record of a stream without \
            one is identified by its stream, its content and the state before it (a record sent again from the \
            same state keeps its event id). Stray text on stdout, and JSON that is no message, becomes a dead \
            letter per line. A tap that sends no STATE has its records committed at the end of a run that \
            succeeded; one that does has those after its last STATE read again by the next run. stderr is logged at debug level, except lines whose level is `WARNING` or `WARN` (a warning) or \
            `ERROR`, `CRITICAL` or `FATAL` (an error): a capitalized word among their first three (after a timestamp), \
            a bracketed one (structlog), or a `level` key (JSON, logfmt). A tap left running by a gateway that was killed is stopped by the next run.
            """,
        fields: [
            FieldSpec("command", .list(.string), "The executable and its arguments; a relative path is resolved against the project.",
                      example: [".build-taps/venv/bin/tap-jsonl"]),
            FieldSpec("protocol", .oneOf(["singer", "airbyte"]), "The message protocol the executable speaks.", default: "singer"),
            FieldSpec("config", .any, "The connector's configuration, passed as a JSON file.", optional: true),
            FieldSpec("catalog", .path, "A catalog file (required by Airbyte sources).", optional: true),
            FieldSpec("streams", .list(.string), "Only keep records of these streams.", optional: true),
            FieldSpec("type", .string, "Event type; `{stream}` is replaced by the stream name.", default: "{stream}.raw.v1"),
            FieldSpec("key", .string, "Field (dotted path) with the natural key, instead of the stream's key properties.",
                      optional: true),
            FieldSpec("environment", .map(.string), "Environment variables for the process (secrets as references).",
                      optional: true),
        ])

    let command: [String]
    let airbyte: Bool
    let config: Value
    let catalog: String?
    let streams: Set<String>?
    let typeTemplate: String
    let keyPath: [String]?
    let environment: [String: String]
    let projectDirectory: String
    let batchSize: Int
    let logger: Logger
    /// Secret values the configuration and the gateway hold, longest first: a process may
    /// print its credentials (a URL with its key) to stderr, which is logged and quoted.
    let secretValues: [String]

    public init(config parsed: ParsedConfig, context: ConnectorContext) throws {
        let command = try parsed[Field<[String]>("command", .list(.string), "")]
        guard let executable = command.first else { throw parsed.error("command", "'command' needs at least the executable") }
        self.command = [executable.contains("/") ? parsed.resolvePath(executable) : executable] + command.dropFirst()
        airbyte = parsed["protocol"]?.stringValue == "airbyte"
        config = parsed["config"] ?? [:]
        catalog = parsed["catalog"]?.stringValue.map(parsed.resolvePath)
        if airbyte && catalog == nil { throw parsed.error("protocol", "an Airbyte source needs a 'catalog' file") }
        streams = parsed["streams"]?.arrayValue.map { Set($0.compactMap(\.stringValue)) }
        typeTemplate = parsed["type"]?.stringValue ?? "{stream}.raw.v1"
        keyPath = parsed["key"]?.stringValue.map { $0.split(separator: ".").map(String.init) }
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in parsed["environment"]?.objectValue ?? Object() { environment[name] = value.stringValue }
        self.environment = environment
        projectDirectory = context.projectDirectory
        batchSize = context.batchSize
        logger = context.logger
        secretValues = String.maskable(parsed.secretValues.union(context.resolver.secrets.allValues))
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        try ProcessBatchReader(source: self, state: checkpoint?.value["state"])
    }
}
