import AsyncAlgorithms
import Foundation
import HuiliuCore
import HuiliuExpression
public import HuiliuKit
public import HuiliuStore
public import Logging

/// Runs one pipeline once: source → steps → sinks over bounded batches, committing each
/// batch's checkpoint only after every sink acknowledged it.
///
/// Reading runs one batch ahead of processing (a rendezvous channel), so parsing overlaps
/// writing while memory stays bounded to about two batches however long the sync.
public struct PipelineRunner: Sendable {
    /// The pipeline.
    public var definition: PipelineDefinition
    /// Where its components come from.
    public var registry: ConnectorRegistry
    /// Runs, checkpoints, dead letters.
    public var store: any StateStore
    /// Gateway settings (directories, time zone).
    public var gateway: GatewayConfig
    /// The logger; the run id is added as metadata.
    public var logger: Logger
    /// Shared services for components.
    public var services: ServiceValues
    /// A cursor range to read again instead of resuming (`huiliu run --backfill`). The default is `nil`.
    public var backfill: BackfillRange?
    /// How long a batch being delivered may go on after a stop is requested before it is
    /// cancelled (and delivered by the next run); `serve.grace_period` if that is shorter.
    public var stopGrace: Duration = .seconds(10)

    /// A runner for one pipeline.
    public init(definition: PipelineDefinition, registry: ConnectorRegistry, store: any StateStore,
                gateway: GatewayConfig, logger: Logger, services: ServiceValues = ServiceValues()) {
        self.definition = definition
        self.registry = registry
        self.store = store
        self.gateway = gateway
        self.logger = logger
        self.services = services
    }

    /// The checkpoint stream a pipeline's source commits under.
    static let stream = "main"

    /// The context components of this pipeline get.
    public func context(runID: String? = nil) -> ConnectorContext {
        var context = definition.context(gateway: gateway, logger: logger, services: services, runID: runID)
        context.backfill = backfill
        return context
    }

    /// Makes the pipeline a reader of the listener buffer its source reads, if it reads one, so
    /// that other pipelines' pruning waits for it before its first run.
    public func registerAsBufferReader() throws {
        guard let source = try registry.makeSource(definition.source, context: context()) as? any BufferReadingSource else { return }
        try source.registerAsReader()
    }

    /// The source, and the steps of its own it leaves to the transform stage (a connector's mapping).
    public func makeSource(context: ConnectorContext) throws -> (source: any SourceConnector, steps: [(label: String, step: any StepConnector)]) {
        let source = try registry.makeSource(definition.source, context: context)
        guard let staged = source as? any StagedSource else { return (source, []) }
        return try staged.deferringSteps()
    }

    /// Builds the steps and sinks; `leading` are the source's own steps (from ``makeSource(context:)``,
    /// which is asked when they are not given).
    public func makeProcessor(context: ConnectorContext, leading: [(label: String, step: any StepConnector)]? = nil) throws -> BatchProcessor {
        let steps = try (leading ?? makeSource(context: context).steps) + definition.steps.enumerated().map { index, component in
            (label: "steps[\(index)] \(component.name)", step: try registry.makeStep(component, context: context))
        }
        let sinks = try zip(definition.sinkKeys, definition.sinks).map { key, component in
            (key: key, sink: try registry.makeSink(component, context: context))
        }
        var processor = BatchProcessor(steps: steps, sinks: sinks, envelopes: EnvelopeFactory(source: definition.eventSource))
        processor.provenance = definition.provenance
        for (index, component) in definition.sinks.enumerated() {
            if let share = try SinkShare(component, functions: context.services[FunctionRegistry.self]) { processor.shares[sinks[index].key] = share }
        }
        return processor
    }

    /// Throws, saying why, unless the source can read a range of its cursor again: a backfill
    /// is refused before a run starts rather than recorded as a failed run.
    public func checkBackfill() throws {
        try requireBackfillable(try registry.makeSource(definition.source, context: context(runID: nil)))
    }

    /// Throws unless `source` can backfill.
    private func requireBackfillable(_ source: any SourceConnector) throws {
        guard source is any BackfillableSource else {
            throw RunError("""
                the '\(definition.source.name)' source of \(definition.name) cannot read a range again; only incremental streams of \
                manifest connectors can (--reset reads everything again)
                """)
        }
    }

    /// Runs the pipeline once and returns the finished run record. Cancelling the task
    /// stops at the next batch boundary with everything before it committed.
    public func run(trigger: String = "cli", control: RunControl? = nil,
                    progress: (@Sendable (RunProgress) -> Void)? = nil,
                    started: (@Sendable (RunRecord) -> Void)? = nil) async throws -> RunRecord {
        guard let lock = try await PipelineLock.acquire(pipeline: definition.name, gateway: gateway) else {
            throw PipelineBusy(pipeline: definition.name)
        }
        defer { withExtendedLifetime(lock) {} }
        // Holding the lock proves no other process is running this pipeline.
        _ = try await store.markInterruptedRuns(pipeline: definition.name)
        var run = try await store.startRun(pipeline: definition.name, trigger: trigger)
        started?(run)
        let trace = TraceContext.of(run: run.id)
        var context = context(runID: run.id)
        context.logger[metadataKey: "trace_id"] = .string(trace.traceID)
        context.logger.info("run started", metadata: ["trigger": .string(trigger), "backfill": backfill.map { .string($0.description) } ?? "none"])
        let clock = ContinuousClock()
        let started = clock.now
        var counters = RunProgress()
        var metrics: RunMetrics?
        var stopped = false
        // The last batch's commit, running while the next batch is delivered.
        var pendingCommit: Task<Void, any Error>?
        // The counts the last commit (finished or under way) holds: a failed run is recorded
        // with what it committed, not with the batches it delivered and never committed.
        var committedCounts = RunProgress(), pendingCounts = RunProgress()
        // Set when too many failures put the checkpoint back where the run started.
        var rolledBack = false
        // Where the run started: restored when too many records fail (see checkFailureRatio),
        // with the dead letters of the batch that tripped it.
        var startingPoint: StoredCheckpoint?
        var trippingLetters: [DeadLetter] = []
        // Whatever ends the run, the reading stage is over and the sinks closed before the
        // run is recorded and the pipeline's lock released.
        var reading: Task<Void, Never>?
        var openSinks: [any SinkConnector] = []
        do {
            let (source, leading) = try makeSource(context: context)
            if backfill != nil { try requireBackfillable(source) }
            var built = try makeProcessor(context: context, leading: leading)
            // A pending dead letter whose record this run delivers anew (fixed upstream, re-read)
            // is superseded: replaying it later would write its older version over the newer.
            var supersedable = backfill == nil ? try await pendingLetterIDsByIdentity() : [:]
            built.collectsSourceKeys = !supersedable.isEmpty
            let processor = built
            openSinks = processor.sinks.map(\.sink)
            metrics = RunMetrics(pipeline: definition.name, sinks: processor.sinks.map(\.key))
            let stored = try await store.checkpoint(pipeline: definition.name, stream: Self.stream)
            for (key, sink) in processor.sinks {
                try await sink.open(resumingAt: stored?.sinkPositions[key])
            }
            var positions = try await pinNewSinks(processor.sinks, stored: stored, run: run)
            startingPoint = StoredCheckpoint(checkpoint: stored?.checkpoint ?? Checkpoint(.null), sinkPositions: positions,
                                             runID: stored?.runID ?? run.id, updatedAt: Timestamp.now())
            // A stored null checkpoint only pins sink positions; the source starts from the beginning.
            let resumeFrom = stored?.checkpoint.value.isNull == false ? stored?.checkpoint : nil
            // Stage one reads and transforms; stage two delivers and commits. The channel hands
            // over one batch at a time, so at most two are in memory besides the one being read.
            let batches = AsyncThrowingChannel<TransformedBatch, any Error>()
            // The reading stage is a task of its own so that a stop request can interrupt a
            // source that is waiting for input; otherwise a stop waits for the next batch.
            let runner = self
            let readingStage = Task {
                // Every exit finishes or fails the channel, or the consumer would wait forever.
                var reader: (any BatchReader)?
                do {
                    reader = try await source.reader(after: resumeFrom)
                    try await runner.transformInOrder(reader: &reader!, processor: processor, control: control, trace: trace, into: batches)
                    await reader?.close()
                    batches.finish()
                } catch {
                    await reader?.close()
                    batches.fail(error)
                }
            }
            reading = readingStage
            // Sinks waiting to retry give up on a stop; work in flight finishes its batch, or is
            // cancelled if it has not within `stopGrace` (a silent server, a lock wait).
            // Within the daemon's own grace period, which may be shorter.
            let stopSignal = StopSignal(grace: min(stopGrace, gateway.gracePeriod))
            control?.onStop {
                readingStage.cancel()
                stopSignal.stop()
            }
            try await withTaskCancellationHandler {
                for try await batch in batches {
                    let number = counters.batches + 1
                    if !definition.errors.deadLetter, let first = batch.content.failures.first {
                        throw RunError("\(first.step): \(first.failure) (dead letters are off for this pipeline)")
                    }
                    // A batch that takes the run past its failure ratio goes to no sink: the run is
                    // rolled back, and what the sinks were given of it would stay there uncommitted.
                    var reached = counters
                    reached.read += batch.read
                    reached.failed += batch.content.failures.count
                    do {
                        try checkFailureRatio(reached, at: .midRun)
                    } catch {
                        counters.read = reached.read
                        counters.failed = reached.failed
                        trippingLetters = processor.deadLetters(batch.content.failures, pipeline: definition.name, runID: run.id,
                                                                secrets: gateway.secrets)
                        throw error
                    }
                    FaultInjection.check(.beforeSinkWrite, batch: number)
                    let content = batch.content, batchTrace = trace.batch(number)
                    let delivered = try await StopSignal.$current.withValue(stopSignal) {
                        try await TraceContext.$current.withValue(batchTrace) {
                            try await stopSignal.finishing { try await processor.deliver(content) }
                        }
                    }
                    FaultInjection.check(.afterSinkWrite, batch: number)
                    positions.merge(delivered) { $1 }
                    counters.read += batch.read
                    counters.written += batch.content.envelopes.count
                    counters.failed += batch.content.failures.count
                    counters.batches = number
                    counters.elapsed = clock.now - started
                    run.recordsRead = counters.read
                    run.recordsWritten = counters.written
                    run.recordsFailed = counters.failed
                    let checkpoint = batch.checkpoint.map {
                        StoredCheckpoint(checkpoint: $0, sinkPositions: positions, runID: run.id, updatedAt: Timestamp.now())
                    }
                    // The commit waits for the disk; it runs while the next batch is delivered.
                    // Commits stay in order (the next starts only after this one finished), and
                    // a sink write racing ahead of its commit is what crash recovery already
                    // undoes: the sink is cut back to the position committed last.
                    try await pendingCommit?.value
                    committedCounts = pendingCounts
                    try await lock.verify()
                    let letters = processor.deadLetters(batch.content.failures, pipeline: definition.name, runID: run.id,
                                                        secrets: gateway.secrets)
                    let provenance = batch.content.digests.map {
                        definition.provenanceEntry($0, run: run, batch: number,
                                                   positions: positions, checkpoint: batch.checkpoint)
                    }
                    // A record of the batch that failed (a rule's alert, while the record itself went
                    // on) is not fixed, whatever of it was delivered: its letter stays.
                    let failing = Set(letters.compactMap { $0.sourceFields?.identity })
                    let superseded = batch.content.deliveredSourceKeys.filter { !failing.contains($0) }
                        .flatMap { supersedable.removeValue(forKey: $0) ?? [] }
                    let committedRun = run, committed = counters, metrics = metrics, logger = context.logger
                    let shares = batch.content.portions?.map(\.count) ?? processor.sinks.map { _ in batch.content.envelopes.count }
                    pendingCounts = counters
                    pendingCommit = Task {
                        // With the batch: had it not been committed, its records would be read again.
                        try await store.commit(checkpoint, pipeline: definition.name, stream: Self.stream, run: committedRun,
                                               deadLetters: letters, provenance: provenance, replayed: [], superseded: superseded)
                        FaultInjection.check(.afterCommit, batch: number)
                        if !superseded.isEmpty {
                            logger.info("dead letters superseded: their records were delivered again, as they are now",
                                        metadata: ["ids": .string(superseded.map(String.init).joined(separator: ","))])
                        }
                        metrics?.batch(read: batch.read, written: shares,
                                       failed: batch.content.failures.count, deadLetters: definition.errors.deadLetter)
                        progress?(committed)
                    }
                    if Task.isCancelled || control?.isStopRequested == true {
                        stopped = true
                        break
                    }
                }
            } onCancel: {
                readingStage.cancel()
            }
            readingStage.cancel()
            _ = await readingStage.result
            if control?.isStopRequested == true { stopped = true }
            try await pendingCommit?.value
            // A stopped run is judged on the part it read only as leniently as mid-run (more
            // than half failed, or any with a limit of 0): with the limit itself, bad rows at the
            // top of a file would roll back every run a timeout ends there, and the checkpoint
            // would never move; with none, runs a timeout always ends would commit any failures.
            try checkFailureRatio(counters, at: stopped ? .stop : .end)
            openSinks = []
            for (_, sink) in processor.sinks { try await sink.close() }
            run.status = stopped || Task.isCancelled ? .cancelled : .succeeded
        } catch is CancellationError {
            run.status = .cancelled
        } catch let error as FailureRatioExceeded {
            // A run aborted for its failures must not count as progress: the next run (a retry,
            // the next schedule) would otherwise go on from here and succeed. The checkpoint and
            // the sinks' positions go back to where the run started; the dead letters stay, and
            // the same records failing again add none.
            run.status = .failed
            rolledBack = true
            run.error = error.description + "; the checkpoint stays where the run started, so the next run reads these records again"
                + " (the failures are kept as dead letters with status 'aborted': huiliu dead-letters list --status aborted);"
                + " events the sinks were given stay there, taken again by id by upserting sinks (a jsonl file is cut back)"
            _ = try? await pendingCommit?.value
            pendingCommit = nil
            if let startingPoint {
                do {
                    // The letters' records are read again by the next run: marked aborted with the
                    // rollback, so they are not replayed as well.
                    try await store.commitAbort(startingPoint, pipeline: definition.name, stream: Self.stream, run: run,
                                                deadLetters: trippingLetters, provenance: definition.rollbackEntry(run: run, to: startingPoint))
                } catch {
                    run.error! += " (restoring it failed: \(error))"
                }
            }
        } catch is RunStopped {
            // A sink gave up waiting to retry: its batch is delivered by the next run.
            run.status = .cancelled
        } catch {
            run.status = .failed
            run.error = gateway.secrets.scrub("\(error)")
        }
        // A run the daemon stopped for a reason (its timeout) says so; one a person stopped needs none.
        if run.status == .cancelled, run.error == nil, let reason = control?.stopReason { run.error = reason }
        reading?.cancel()
        _ = await reading?.result
        for sink in openSinks { try? await sink.close() }
        // A failed run's last commit may still be under way; the final record goes after it.
        if let pendingCommit, case .success = await pendingCommit.result { committedCounts = pendingCounts }
        if run.status == .failed {
            // What the run read and wrote after its last commit is read again by the next run.
            // An aborted run's checkpoints were rolled back, not what its sinks were given: an
            // upserting sink keeps those events (and takes them again by id), a webhook's
            // receiver has them; only a jsonl file is cut back, by the next run.
            run.recordsRead = rolledBack ? counters.read : committedCounts.read
            run.recordsWritten = rolledBack ? counters.written : committedCounts.written
            run.recordsFailed = rolledBack ? counters.failed : committedCounts.failed
        }
        run.finishedAt = Timestamp.now()
        // Logged before it is recorded: if the store cannot take the record, the log still says how the run ended.
        context.logger.log(level: run.status == .failed ? .error : .info, "run finished", metadata: [
            "status": .string(run.status.rawValue), "read": .stringConvertible(run.recordsRead),
            "written": .stringConvertible(run.recordsWritten), "failed": .stringConvertible(run.recordsFailed),
            "error": .string(run.error ?? ""),
        ])
        counters.elapsed = clock.now - started
        // Counted before it is recorded too: a run whose end a full disk refused still shows in
        // huiliu_runs_total{status="failed"}, where alerts look.
        (metrics ?? RunMetrics(pipeline: definition.name, sinks: [])).finished(
            status: run.status.rawValue, seconds: Double(counters.elapsed.components.seconds)
                + Double(counters.elapsed.components.attoseconds) / 1e18)
        do {
            try await store.finishRun(run)
        } catch {
            throw RunNotRecorded(run: run, underlying: error)
        }
        progress?(counters)
        return run
    }

    /// The sinks' committed positions, after pinning those of sinks that have none yet (a first
    /// run, a new sink, a replay before any run) where they stand, before anything is written: a
    /// crash before the first commit then cuts them back to here instead of keeping what was
    /// written uncommitted.
    func pinNewSinks(_ sinks: [(key: String, sink: any SinkConnector)], stored: StoredCheckpoint?,
                     run: RunRecord) async throws -> [String: Value] {
        var positions = stored?.sinkPositions ?? [:]
        var baseline: [String: Value] = [:]
        for (key, sink) in sinks where positions[key] == nil {
            if let position = await sink.position() { baseline[key] = position }
        }
        guard !baseline.isEmpty else { return positions }
        positions.merge(baseline) { $1 }
        let pinned = StoredCheckpoint(checkpoint: stored?.checkpoint ?? Checkpoint(.null), sinkPositions: positions,
                                      runID: run.id, updatedAt: Timestamp.now())
        try await store.commit(pinned, pipeline: definition.name, stream: Self.stream, run: run, deadLetters: [])
        return positions
    }

    /// Reads batches and transforms up to `definition.parallelism` of them at once, handing
    /// them on in source order: steps are the costly part of most syncs, and batches are
    /// independent until delivery, which stays strictly ordered.
    ///
    /// Each worker hands its batch on itself, as soon as the batches before it are handed on:
    /// the reader may be waiting for a quiet source meanwhile, and a finished batch must not
    /// wait for the next one to arrive.
    func transformInOrder(reader: inout any BatchReader, processor: BatchProcessor, control: RunControl?, trace: TraceContext,
                          into batches: AsyncThrowingChannel<TransformedBatch, any Error>) async throws {
        let parallelism = definition.parallelism
        let turns = Turnstile()
        // Steps that need batches in source order pass them through a turnstile of their own,
        // left right after the last such step: the steps after it still run side by side.
        // Without such steps, no batch passes it.
        let orderedTurns = processor.steps.contains { $0.step.processesInOrder } ? Turnstile() : nil
        try await withThrowingTaskGroup(of: Void.self) { workers in
            var submitted = 0
            var finished = 0
            while true {
                let next: RecordBatch?
                do {
                    next = try await reader.next()
                } catch {
                    // The batches read before the source failed still reach the sinks and are
                    // committed: cancelled here, a source that fails at its end (a partition it
                    // could not read, after the others) lost its last batches and their checkpoint.
                    try await workers.waitForAll()
                    throw error
                }
                // Consumed, so the handoff holds the batch's only reference: one left in `next`
                // while the task runs made the steps' first change copy every record.
                guard let batch = consume next else { break }
                let sequence = submitted
                submitted += 1
                let handoff = Handoff(consume batch)
                let section = orderedTurns.map { OrderedSection(turns: $0, number: sequence) }
                // The span the delivery loop gives this batch (it counts from 1).
                let batchTrace = definition.trace ? trace.batch(sequence + 1) : nil
                workers.addTask {
                    var batch = handoff.take()
                    let read = batch.records.count + batch.rejects.count
                    let records = batch.records
                    batch.records = []
                    let transformed: BatchProcessor.Transformed
                    do {
                        transformed = try await processor.transform(consume records, rejects: batch.rejects, ordered: section,
                                                                    trace: batchTrace)
                    } catch {
                        await section?.pass()
                        // In its turn, so the batches before it still reach the sinks; at once,
                        // so the run fails even while the reader waits for a quiet source.
                        try await turns.wait(for: sequence)
                        batches.fail(error)
                        throw error
                    }
                    await section?.pass()
                    try await turns.wait(for: sequence)
                    await batches.send(TransformedBatch(read: read, content: transformed, checkpoint: batch.checkpoint))
                    turns.advance()
                }
                // Workers finish in order, so the oldest one frees the next place.
                if submitted - finished >= parallelism {
                    try await workers.next()
                    finished += 1
                }
                if Task.isCancelled || control?.isStopRequested == true { break }
            }
            try await workers.waitForAll()
        }
    }

    /// Moves a batch into a worker task, so the task holds its only reference: a captured
    /// value stays referenced by the closure too, and steps would copy every record.
    final class Handoff: @unchecked Sendable {
        private var batch: RecordBatch?

        init(_ batch: RecordBatch) {
            self.batch = batch
        }

        /// The batch; called once, by the task.
        func take() -> RecordBatch {
            defer { batch = nil }
            return batch!
        }
    }

    /// A batch between the two stages.
    struct TransformedBatch: Sendable {
        var read: Int
        var content: BatchProcessor.Transformed
        var checkpoint: Checkpoint?
    }

    /// The pipeline's pending dead letters whose records had a key at the source, by their
    /// type and key. A letter without one (a source's reject, a keyless source) has no identity a
    /// later delivery could be matched on: its origin (a line, a page position) may hold another
    /// record by then. A backfill takes none: it delivers older versions.
    func pendingLetterIDsByIdentity() async throws -> [String: [Int]] {
        guard definition.errors.deadLetter else { return [:] }
        var byIdentity: [String: [Int]] = [:]
        for letter in try await store.pendingLetterKeys(pipeline: definition.name) {
            byIdentity[letter.identity, default: []].append(letter.id)
        }
        return byIdentity
    }

    /// Aborts when failures exceed the allowed share of the run's records, judged at its end;
    /// a run stopped partway is judged as mid-run, from 100 records on. Mid-run, judged on the records read so far, the limit would
    /// stop every run at a file whose bad rows come first, and the checkpoint would never move:
    /// there a run stops early only when the end cannot change the verdict (a limit of 0 and a
    /// failure), or when most of its first 10,000 or more records failed (a changed format, a
    /// broken mapping), rather than deliver a whole source to roll it back.
    func checkFailureRatio(_ counters: RunProgress, at point: FailureJudgement) throws {
        let limit = definition.errors.maxFailureRatio
        guard limit < 1, counters.read > 0 else { return }
        let ratio = Double(counters.failed) / Double(counters.read)
        // A run stopped partway is judged on fewer records than the early rule waits for: it
        // read all it will, and a broken mapping must not pass because every run times out.
        let exceeded = switch point {
        case .end: ratio > limit
        case .midRun, .stop:
            (limit == 0 && counters.failed > 0) || (counters.read >= (point == .stop ? 100 : Self.earlyJudgement) && ratio > max(limit, 0.5))
        }
        if exceeded {
            let share = "\(counters.failed) of \(counters.read) records\(point == .end ? "" : " read so far") failed (\(String(format: "%.2f", ratio * 100))%)"
            throw FailureRatioExceeded(description: share + ", more than errors.max_failure_ratio \(limit) allows")
        }
    }

    /// Where a run's failures are judged: between batches, where it was stopped, at its end.
    enum FailureJudgement {
        case midRun, stop, end
    }

    /// Records read before a run may be stopped early for failing more often than not.
    static let earlyJudgement = 10_000

    /// More records failed than `errors.max_failure_ratio` allows.
    struct FailureRatioExceeded: Error, CustomStringConvertible {
        var description: String
    }
}

extension PipelineDefinition {
    /// The sinks' position keys (`0:jsonl`), in order.
    var sinkKeys: [String] {
        sinks.enumerated().map { index, component in "\(index):\(component.name)" }
    }

    /// The provenance entry of a delivered batch with `digests`; `positions` are the sinks'
    /// positions after it.
    func provenanceEntry(_ digests: BatchProcessor.Digests, run: RunRecord, batch: Int,
                         positions: [String: Value], checkpoint: Checkpoint?) -> ProvenanceEntry {
        ProvenanceEntry(runID: run.id, trigger: run.trigger, batch: batch, source: eventSource, connector: source.name,
                        input: digests.input,
                        sinks: zip(sinkKeys, digests.sinks).map { key, events in
                            ProvenanceEntry.SinkShare(key: key, events: events, position: positions[key])
                        },
                        checkpoint: checkpoint?.value, recordedAt: Timestamp.now())
    }

    /// The entry recording that `run` was rolled back to `startingPoint` (nil without a chain):
    /// an empty batch at the sinks' restored positions, so what they wrote after is seen as cut
    /// off when they next open, and written again.
    func rollbackEntry(run: RunRecord, to startingPoint: StoredCheckpoint) -> ProvenanceEntry? {
        guard provenance else { return nil }
        return ProvenanceEntry(runID: run.id, trigger: run.trigger, batch: 0, source: eventSource, connector: source.name, input: .empty,
                               sinks: sinkKeys.map { .init(key: $0, events: .empty, position: startingPoint.sinkPositions[$0]) },
                               checkpoint: startingPoint.checkpoint.value, recordedAt: Timestamp.now(),
                               note: "rolled back: more records failed than errors.max_failure_ratio allows; the run's batches are read again")
    }

    /// The context this pipeline's components get.
    public func context(gateway: GatewayConfig, logger: Logger, services: ServiceValues = ServiceValues(),
                        runID: String? = nil) -> ConnectorContext {
        var logger = logger
        logger[metadataKey: "pipeline"] = .string(name)
        if let runID { logger[metadataKey: "run"] = .string(runID) }
        var services = services
        if services[OutboundProxy.self] == nil { services[OutboundProxy.self] = gateway.proxy }
        var context = ConnectorContext(pipeline: name, logger: logger, projectDirectory: gateway.projectDirectory,
                                       dataDirectory: gateway.dataDirectory, configDirectory: gateway.configDirectory,
                                       services: services, batchSize: batchSize,
                                       resolver: ReferenceResolver(secrets: gateway.secrets))
        context.eventSource = eventSource
        return context
    }
}
