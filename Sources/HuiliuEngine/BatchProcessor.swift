public import HuiliuCore
public import HuiliuKit
public import HuiliuStore

/// Takes a batch through a pipeline's steps, wraps the survivors in envelopes and has
/// every sink write them. Shared by the runner and dead-letter replay.
public struct BatchProcessor: Sendable {
    /// The steps with their labels (`steps[1] validate`).
    public var steps: [(label: String, step: any StepConnector)]
    /// The sinks with their position keys (`0:jsonl`).
    public var sinks: [(key: String, sink: any SinkConnector)]
    /// Builds envelopes.
    public var envelopes: EnvelopeFactory

    /// What one batch came to.
    public struct Outcome: Sendable {
        /// Envelopes written to every sink.
        public var written: Int
        /// Records that failed a step, by step label.
        public var failures: [(step: String, failure: RecordFailure)]
        /// Each sink's position after the write, for sinks that report one.
        public var sinkPositions: [String: Value]
    }

    /// Processes one batch; throws if a step or a sink fails as a whole. Input the source
    /// rejected is reported as failures of the `source` step.
    public func process(_ records: [Record], rejects: [RecordBatch.Rejected] = []) async throws -> Outcome {
        var current = records
        var failures: [(step: String, failure: RecordFailure)] = rejects.map { reject in
            (step: "source", failure: RecordFailure(record: Record(data: reject.raw, origin: reject.origin), reason: reject.reason))
        }
        for (label, step) in steps where !current.isEmpty {
            let output = try await step.process(current)
            current = output.records
            for failure in output.failures { failures.append((label, failure)) }
        }
        let batch = current.map(envelopes.envelope(for:))
        var positions: [String: Value] = [:]
        if !batch.isEmpty {
            if sinks.count == 1 {
                if let position = try await sinks[0].sink.write(batch) { positions[sinks[0].key] = position }
            } else {
                try await withThrowingTaskGroup(of: (String, Value?).self) { group in
                    for (key, sink) in sinks {
                        group.addTask { (key, try await sink.write(batch)) }
                    }
                    for try await (key, position) in group {
                        if let position { positions[key] = position }
                    }
                }
            }
        }
        return Outcome(written: batch.count, failures: failures, sinkPositions: positions)
    }

    /// Dead letters for an outcome's failures.
    public func deadLetters(_ outcome: Outcome, pipeline: String, runID: String) -> [DeadLetter] {
        outcome.failures.map { step, failure in
            DeadLetter(pipeline: pipeline, runID: runID, step: step, origin: failure.record.origin.description, reason: failure.reason,
                       pointer: failure.pointer, rule: failure.rule, payload: failure.record.original)
        }
    }
}
