public import HuiliuKit

/// The components that ship with Huiliu.
public enum BuiltInConnectors {
    /// Registers every built-in source, step and sink.
    public static func register(into registry: inout ConnectorRegistry) throws {
        try registry.register(source: FileSource.self)
        try registry.register(source: ProcessSource.self)
        try registry.register(source: SQLSource.self)
        try registry.register(step: SetStep.self)
        try registry.register(step: MapStep.self)
        try registry.register(step: ValidateStep.self)
        try registry.register(step: FilterStep.self)
        try registry.register(step: DedupeStep.self)
        try registry.register(step: MaskStep.self)
        try registry.register(step: EncryptStep.self)
        try registry.register(step: DecryptStep.self)
        try registry.register(step: RuleStep.self)
        try registry.register(sink: StdoutSink.self)
        try registry.register(sink: JSONLSink.self)
        try registry.register(sink: SQLiteSink.self)
        try registry.register(sink: PostgresSink.self)
        try registry.register(sink: WebhookSink.self)
    }
}
