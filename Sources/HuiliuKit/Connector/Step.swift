public import HuiliuCore

/// A component that transforms batches of records: map, validate, filter, set …
public protocol StepConnector: Sendable {
    /// The step's kind name, summary and configuration fields.
    static var spec: ComponentSpec { get }
    /// Builds the step from validated configuration.
    init(config: ParsedConfig, context: ConnectorContext) throws
    /// Transforms a batch. Records that cannot be processed are returned as failures
    /// (they become dead letters); throwing fails the whole run. The batch is the step's to
    /// change in place: the runner keeps no other reference to it.
    func process(_ records: consuming [Record]) async throws -> StepOutput
    /// Whether batches must reach the step in source order, one at a time: for steps that
    /// carry something from one batch to the next. The runner transforms several batches at
    /// once; from such a step on, each batch waits for the one before it.
    var processesInOrder: Bool { get }
}

extension StepConnector {
    public var processesInOrder: Bool { false }
}

/// What a step made of a batch.
public struct StepOutput: Sendable {
    /// Records that go on to the next step.
    public var records: [Record]
    /// Records that failed here, with the reason.
    public var failures: [RecordFailure]

    /// An output.
    public init(records: [Record], failures: [RecordFailure] = []) {
        self.records = records
        self.failures = failures
    }
}

/// A record that a step could not process, and why.
public struct RecordFailure: Error, Sendable, CustomStringConvertible {
    /// The record as it reached the failing step (its `original` is the raw payload).
    public var record: Record
    /// What went wrong, in words.
    public var reason: String
    /// The JSON pointer of the offending value, when known (`/amount_fen`).
    public var pointer: String?
    /// The rule that failed, when known (`required`, `to_fen`).
    public var rule: String?

    /// A failure for `record`.
    public init(record: Record, reason: String, pointer: String? = nil, rule: String? = nil) {
        self.record = record
        self.reason = reason
        self.pointer = pointer
        self.rule = rule
    }

    public var description: String {
        var text = "\(record.origin.description): "
        if let pointer { text += "\(pointer.isEmpty ? "/" : pointer): " }
        if let rule { text += "\(rule): " }
        return text + reason
    }
}
