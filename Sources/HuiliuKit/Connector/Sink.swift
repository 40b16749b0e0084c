public import HuiliuCore

/// A component that writes envelopes somewhere and acknowledges them.
///
/// `write` returning is the acknowledgement: the batch must be durable by then. A sink
/// that can undo a partial write (a file it appends to) returns its position after each
/// write; the engine stores it with the source checkpoint and hands it back to
/// `open(resumingAt:)` after a crash, so nothing is delivered twice.
public protocol SinkConnector: Sendable {
    /// The sink's kind name, summary and configuration fields.
    static var spec: ComponentSpec { get }
    /// Builds the sink from validated configuration.
    init(config: ParsedConfig, context: ConnectorContext) throws
    /// Prepares for writing, rolling back to `position` if one was committed.
    func open(resumingAt position: Value?) async throws
    /// Writes a batch durably; returns the position to commit with it, if the sink has one.
    func write(_ envelopes: [Envelope]) async throws -> Value?
    /// Where the sink stands before a run's first write, for a sink that returns positions.
    func position() async -> Value?
    /// Flushes and releases resources.
    func close() async throws
}

extension SinkConnector {
    public func open(resumingAt position: Value?) async throws {}
    public func position() async -> Value? { nil }
    public func close() async throws {}
}
