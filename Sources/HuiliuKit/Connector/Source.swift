public import HuiliuCore

/// A component that reads records from an upstream system.
///
/// The engine asks for a reader positioned after the last committed checkpoint, pulls
/// batches from it one at a time (so a slow sink slows the source, and memory stays
/// bounded), and commits each batch's checkpoint only after every sink acknowledged it.
public protocol SourceConnector: Sendable {
    /// The source's kind name, summary and configuration fields.
    static var spec: ComponentSpec { get }
    /// Builds the source from validated configuration.
    init(config: ParsedConfig, context: ConnectorContext) throws
    /// A reader that yields the records after `checkpoint` (from the start when `nil`).
    func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader
}

/// A source whose records go through steps of its own before the pipeline's: a connector's
/// mapping into the common schema. The runner takes those steps into the transform stage,
/// where batches are mapped side by side while the next page is read, and where a record the
/// mapping fails is a dead letter that `replay` takes through the mapping again.
public protocol StagedSource: SourceConnector {
    /// This source without its steps, and the steps, labelled for dead letters.
    func deferringSteps() throws -> (source: any SourceConnector, steps: [(label: String, step: any StepConnector)])
}

/// A source that can read a range of its cursor again (`huiliu run --backfill FROM..TO`,
/// ``ConnectorContext/backfill``). The runner refuses a backfill for any other source rather
/// than let it read everything.
public protocol BackfillableSource: SourceConnector {}

/// A source that reads a listener's local buffer, which keeps records until every pipeline
/// reading it has delivered them. The daemon registers each such pipeline when it loads it, so
/// another pipeline's pruning waits for it from then on, not only from its first run.
public protocol BufferReadingSource: SourceConnector {
    /// Makes the pipeline one of the buffer's readers, at the start, if it is not one yet;
    /// nothing when the buffer does not exist yet (its listener has not started).
    func registerAsReader() throws
}

/// Pulls batches from one source, in order.
public protocol BatchReader {
    /// The next batch, or `nil` once the source has nothing more for this run.
    mutating func next() async throws -> RecordBatch?
    /// Releases files and connections; called once, also after errors.
    mutating func close() async
}

extension BatchReader {
    public mutating func close() async {}
}
