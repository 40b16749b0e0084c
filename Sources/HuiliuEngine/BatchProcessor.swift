public import HuiliuCore
import HuiliuExpression
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
    /// Whether batches get the digests of a provenance entry.
    public var provenance = false
    /// Whether ``Transformed/deliveredSourceKeys`` is filled: the runner asks for it only while
    /// the pipeline has pending dead letters a delivery could supersede.
    public var collectsSourceKeys = false
    /// Whether ``Transformed/passedOrigins`` is filled: a replay tells the letters a filter left
    /// out from those it delivered.
    public var collectsOrigins = false

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
        /// What each sink receives of ``envelopes``, in sink order, when a sink's `when` or
        /// `mask` makes that differ from the whole batch; `nil` when every sink gets it all.
        public var portions: [[Envelope]]?
        /// The digests of the batch's provenance entry, when the pipeline keeps one.
        public var digests: Digests?
        /// The type and key the delivered records had at the source (``SourceFields/identity``),
        /// when ``collectsSourceKeys``.
        public var deliveredSourceKeys: [String] = []
        /// The origins of the records every step passed on, when ``collectsOrigins``.
        public var passedOrigins: [String] = []
    }

    /// What a provenance entry proves of a batch: the raw records received (then those the
    /// source rejected) and each sink's events, in sink order, as compact JSON lines.
    public struct Digests: Sendable {
        /// The raw records.
        public var input: ProvenanceEntry.Digested
        /// Each sink's events.
        public var sinks: [ProvenanceEntry.Digested]
    }

    /// Runs the steps over a batch and builds the envelopes; throws if a step fails as a
    /// whole. Input the source rejected is reported as failures of the `source` step. Records
    /// that already went through the steps (dead letters of a sink's condition) skip them
    /// with `throughSteps: false`.
    ///
    /// `ordered`, when given, is entered before the first step that ``StepConnector/processesInOrder``
    /// and left after the last one, so batches pass those steps one at a time in source order.
    /// - Parameter trace: the batch's trace context, given to every event without a `traceparent` of its own.
    public func transform(_ records: consuming [Record], rejects: [RecordBatch.Rejected] = [],
                          throughSteps: Bool = true, ordered: OrderedSection? = nil, trace: TraceContext? = nil) async throws -> Transformed {
        var failures: [(step: String, failure: RecordFailure)] = rejects.map { reject in
            (step: "source", failure: RecordFailure(record: Record(data: reject.raw, origin: reject.origin), reason: reject.reason))
        }
        var input: ProvenanceEntry.Digested?
        if provenance {
            var writer = JSONWriter(capacity: 64 * 1024)
            for index in records.indices { writer.write(records[index].original); writer.append(0x0A) }
            for reject in rejects { writer.write(reject.raw); writer.append(0x0A) }
            input = Self.digest(records.count + rejects.count, writer)
        }
        // Steps may change the envelope fields; a dead letter keeps the source's.
        if !steps.isEmpty && throughSteps {
            for index in records.indices { records[index].sourceFields = SourceFields(of: records[index]) }
        }
        // Each step gets the only reference to the batch, so it can change records in place
        // instead of copying every one of them.
        let lastOrdered = ordered == nil ? nil : steps.lastIndex { $0.step.processesInOrder }
        for (index, (label, step)) in steps.enumerated() where throughSteps && !records.isEmpty {
            if step.processesInOrder, let ordered { try await ordered.enter() }
            var output = try await step.process(consume records)
            records = output.records
            output.records = []
            for failure in output.failures { failures.append((label, failure)) }
            if index == lastOrdered { ordered?.leave() }
        }
        let passedOrigins = collectsOrigins ? records.map(\.origin.description) : []
        var events: [Envelope] = []
        events.reserveCapacity(records.count)
        // Only steps set the source fields, and only a step fails a record with a key.
        let collecting = collectsSourceKeys && throughSteps && !steps.isEmpty
        guard !shares.isEmpty else {
            let keys = collecting ? records.compactMap { $0.sourceFields?.identity } : []
            for index in records.indices { events.append(envelopes.envelope(taking: &records[index])) }
            Self.stamp(&events, trace)
            var transformed = Transformed(envelopes: events, failures: failures, deliveredSourceKeys: keys, passedOrigins: passedOrigins)
            if let input {
                let delivered = Self.digest(events)
                transformed.digests = Digests(input: input, sinks: sinks.map { _ in delivered })
            }
            return transformed
        }
        // The records stay until the sinks' conditions are decided: an event a condition
        // cannot be evaluated on is dead-lettered as the record it came from.
        let survivors = copy records
        for record in survivors { events.append(envelopes.envelope(for: record)) }
        // On the events, not the records: a record a condition cannot decide becomes a letter
        // without this run's span, which its replay would otherwise take for its own.
        Self.stamp(&events, trace)
        let decided = divide(events)
        for (index, reason) in decided.undecidable {
            // The letter holds the event as the sinks were to get it, the steps done: a record a
            // step made (an alert) has no source payload to go through them again, and a replay
            // of the source record would deliver what the other events of it already did.
            var record = survivors[index]
            record.original = record.data
            // Matched as the source's record, though: a later delivery of it supersedes the
            // letter, and a steps' type or key (a map step's) would match nothing the source reads.
            let atSource = record.sourceFields.map { $0.identity ?? "" }
            record.sourceFields = SourceFields(of: record)
            record.sourceFields?.identityAtSource = atSource
            failures.append((reason.sink, RecordFailure(record: record, reason: reason.message, rule: "when")))
        }
        var transformed = Transformed(envelopes: decided.delivered, failures: failures, portions: decided.portions,
                                      passedOrigins: passedOrigins)
        if collecting {
            let undecided = Set(decided.undecidable.map(\.0))
            transformed.deliveredSourceKeys = survivors.indices.filter { !undecided.contains($0) }.compactMap { survivors[$0].sourceFields?.identity }
        }
        if let input {
            // A sink without a condition or masks gets every delivered event: digest those once.
            var whole: ProvenanceEntry.Digested?
            let digests = sinks.indices.map { position in
                if shares[sinks[position].key] != nil { return Self.digest(decided.portions[position]) }
                if whole == nil { whole = Self.digest(decided.delivered) }
                return whole!
            }
            transformed.digests = Digests(input: input, sinks: digests)
        }
        return transformed
    }

    /// Gives each event without a `traceparent` of its own the batch's.
    static func stamp(_ events: inout [Envelope], _ trace: TraceContext?) {
        guard let trace else { return }
        let traceparent = Value.string(trace.traceparent)
        for index in events.indices where events[index].extensions["traceparent"] == nil {
            events[index].extensions["traceparent"] = traceparent
        }
    }

    /// The digest of `count` items in `writer`.
    static func digest(_ count: Int, _ writer: JSONWriter) -> ProvenanceEntry.Digested {
        ProvenanceEntry.Digested(count: count, bytes: writer.count, sha256: Digest.hexString(writer.withBytes { Digest.sha256.hash($0) }))
    }

    /// The digest of events, each written as a jsonl sink writes it.
    static func digest(_ events: [Envelope]) -> ProvenanceEntry.Digested {
        var writer = JSONWriter(capacity: 64 * 1024)
        writer.writeLines(events)
        return digest(events.count, writer)
    }

    /// Why a sink's condition could not be decided on an event.
    struct Undecidable {
        var sink: String
        var message: String
    }

    /// Each sink's share of `events`. An event some sink's condition cannot be evaluated on
    /// goes to no sink (it is dead-lettered, so a replay after the condition is fixed delivers
    /// it everywhere once) and is left out of the delivered events.
    func divide(_ events: [Envelope]) -> (delivered: [Envelope], portions: [[Envelope]], undecidable: [(Int, Undecidable)]) {
        var wanted = [[Bool]](repeating: [], count: sinks.count)
        var undecidable: [(Int, Undecidable)] = []
        var failed = Set<Int>()
        for (position, (key, _)) in sinks.enumerated() {
            guard let share = shares[key] else { continue }
            wanted[position] = events.indices.map { index in
                do throws(ExpressionError) {
                    return try share.wants(events[index])
                } catch {
                    if failed.insert(index).inserted {
                        let message = "the sink's condition '\(share.condition?.text ?? "")' cannot be evaluated on this event: \(error.message)"
                        undecidable.append((index, Undecidable(sink: "sinks[\(position)] \(key.drop { $0 != ":" }.dropFirst())", message: message)))
                    }
                    return false
                }
            }
        }
        var delivered: [Envelope] = []
        var portions = [[Envelope]](repeating: [], count: sinks.count)
        // Looked up once per batch, not once per event and sink.
        let sinkShares = sinks.map { shares[$0.key] }
        for index in events.indices where !failed.contains(index) {
            delivered.append(events[index])
            for position in sinks.indices where wanted[position].isEmpty || wanted[position][index] {
                portions[position].append(sinkShares[position]?.masked(events[index]) ?? events[index])
            }
        }
        return (delivered, portions, undecidable.sorted { $0.0 < $1.0 })
    }

    /// Has every sink write its share of the events (concurrently when there are several) and
    /// returns the sinks' positions; throws unless all of them acknowledged.
    public func deliver(_ batch: Transformed) async throws -> [String: Value] {
        var positions: [String: Value] = [:]
        guard !batch.envelopes.isEmpty else { return positions }
        if sinks.count == 1 && batch.portions == nil {
            if let position = try await sinks[0].sink.write(batch.envelopes) { positions[sinks[0].key] = position }
            return positions
        }
        let portions = batch.portions ?? sinks.map { _ in batch.envelopes }
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

    /// Dead letters for a batch's failures. Reasons may quote an expression a secret was filled
    /// into (a salted `sm3(…)` key): any secret value in them is replaced by `***`, since read
    /// tokens see reasons but not payloads.
    public func deadLetters(_ failures: [(step: String, failure: RecordFailure)], pipeline: String, runID: String,
                            secrets: SecretStore = SecretStore()) -> [DeadLetter] {
        let now = Timestamp.now()
        return failures.map { step, failure in
            DeadLetter(pipeline: pipeline, runID: runID, step: step, origin: failure.record.origin.description,
                       reason: secrets.scrub(failure.reason),
                       pointer: failure.pointer, rule: failure.rule, payload: failure.record.original,
                       sourceFields: failure.record.sourceFields ?? SourceFields(of: failure.record), createdAt: now)
        }
    }
}
