public import HuiliuCore
public import HuiliuKit
public import HuiliuStore

/// Takes a batch through a pipeline's steps, wraps the survivors in envelopes, and has
/// every sink write them. Shared by the runner and dead-letter replay.
///
/// The two halves are separate so the runner can transform one batch while the sinks
/// are still writing the one before it.
public struct BatchProcessor: Sendable {
    /// The steps with their labels (`steps[1] validate`).
    public var steps: [(label: String, step: any StepConnector)]
    /// The sinks with their position keys (`0:jsonl`).
    public var sinks: [(key: String, sink: any SinkConnector)]
    /// Builds envelopes.
    public var envelopes: EnvelopeFactory
    /// Each sink's `when` and `mask`, by position key; a sink without them receives every event as it is.
    var shares: [String: SinkShare] = [:]

    /// A processor; ``shares`` come from the sinks' configuration (see ``PipelineRunner/makeProcessor(context:)``).
    public init(steps: [(label: String, step: any StepConnector)], sinks: [(key: String, sink: any SinkConnector)],
                envelopes: EnvelopeFactory) {
        self.steps = steps
        self.sinks = sinks
        self.envelopes = envelopes
    }

    /// A batch after the steps: envelopes ready for the sinks, and what failed on the way.
    public struct Transformed: Sendable {
        /// The events to deliver.
        public var envelopes: [Envelope]
        /// Records that failed a step (or that the source rejected), by step label.
        public var failures: [(step: String, failure: RecordFailure)]
    }

    /// Runs the steps over a batch and builds the envelopes; throws if a step fails as a
    /// whole. Input the source rejected is reported as failures of the `source` step.
    public func transform(_ records: consuming [Record], rejects: [RecordBatch.Rejected] = []) async throws -> Transformed {
        var failures: [(step: String, failure: RecordFailure)] = rejects.map { reject in
            (step: "source", failure: RecordFailure(record: Record(data: reject.raw, origin: reject.origin), reason: reject.reason))
        }
        // Steps may change the envelope fields; a dead letter keeps the source's.
        if !steps.isEmpty {
            for index in records.indices { records[index].sourceFields = SourceFields(of: records[index]) }
        }
        // Each step gets the only reference to the batch, so it can change records in place
        // instead of copying every one of them.
        for (label, step) in steps where !records.isEmpty {
            var output = try await step.process(consume records)
            records = output.records
            output.records = []
            for failure in output.failures { failures.append((label, failure)) }
        }
        var events: [Envelope] = []
        events.reserveCapacity(records.count)
        for index in records.indices { events.append(envelopes.envelope(taking: &records[index])) }
        return Transformed(envelopes: events, failures: failures)
    }

    /// Has every sink write the envelopes (concurrently when there are several) and returns
    /// the sinks' positions; throws unless all of them acknowledged.
    public func deliver(_ batch: [Envelope]) async throws -> [String: Value] {
        var positions: [String: Value] = [:]
        guard !batch.isEmpty else { return positions }
        if sinks.count == 1 && shares.isEmpty {
            if let position = try await sinks[0].sink.write(batch) { positions[sinks[0].key] = position }
            return positions
        }
        // Every sink's share is decided before any writes: a condition that fails stops the
        // batch before a sink has half of it.
        let portions = try sinks.map { key, _ in try shares[key].map { try $0.select(batch, sink: key) } ?? batch }
        try await withThrowingTaskGroup(of: (String, Value?).self) { group in
            for ((key, sink), events) in zip(sinks, portions) {
                // A sink that none of the batch is for writes nothing and keeps its position.
                guard !events.isEmpty else { continue }
                group.addTask { (key, try await sink.write(events)) }
            }
            for try await (key, position) in group {
                if let position { positions[key] = position }
            }
        }
        return positions
    }

    /// Dead letters for a batch's failures.
    public func deadLetters(_ failures: [(step: String, failure: RecordFailure)], pipeline: String, runID: String) -> [DeadLetter] {
        let now = Timestamp.now()
        return failures.map { step, failure in
            DeadLetter(pipeline: pipeline, runID: runID, step: step, origin: failure.record.origin.description, reason: failure.reason,
                       pointer: failure.pointer, rule: failure.rule, payload: failure.record.original,
                       sourceFields: failure.record.sourceFields ?? SourceFields(of: failure.record), createdAt: now)
        }
    }
}
