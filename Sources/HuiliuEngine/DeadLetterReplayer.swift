import Foundation
import HuiliuCore
import HuiliuKit
public import HuiliuStore

/// Re-runs stored dead letters through a pipeline's current steps and sinks, and marks
/// those that now get through as replayed.
///
/// Letters the source rejected (a malformed line) hold raw text, not a record; they cannot
/// pass the steps again and are left for the input to be fixed and re-read.
public struct DeadLetterReplayer: Sendable {
    /// The runner of the pipeline the letters belong to.
    public var runner: PipelineRunner

    /// The trigger a replay's run records.
    public static let trigger = "replay"

    /// A replayer for one pipeline.
    public init(runner: PipelineRunner) {
        self.runner = runner
    }

    /// What a replay did.
    public struct Outcome: Sendable {
        /// The replay's run record.
        public var run: RunRecord
        /// Letters delivered and marked replayed.
        public var delivered: [Int]
        /// Letters that failed again, with the new reason.
        public var stillFailing: [(id: Int, reason: String)]
        /// Letters skipped because the source rejected them.
        public var sourceRejects: [Int]
        /// Letters the replay set out to deliver (those the source rejected not counted).
        public var attempted = 0
        /// Of ``delivered``, those a step left out (a filter, dedupe or rule): marked replayed,
        /// as the pipeline now handles them, with nothing delivered.
        public var passedOnByNoStep: [Int] = []
    }

    /// Replays `letters` (all pending for the pipeline when empty).
    public func replay(ids: [Int]) async throws -> Outcome {
        let store = runner.store
        let pipeline = runner.definition.name
        // A replay writes to the pipeline's sinks and moves their positions: with a run of the
        // pipeline writing at the same time, a jsonl sink would be cut back under it.
        guard let lock = try await PipelineLock.acquire(pipeline: pipeline, gateway: runner.gateway) else {
            throw RunError("pipeline '\(pipeline)' is running; replay its dead letters when the run has finished")
        }
        defer { withExtendedLifetime(lock) {} }
        // Holding the lock proves no other process runs or replays this pipeline: a run or
        // replay still marked running was killed, as a run also concludes when it starts.
        _ = try await store.markInterruptedRuns(pipeline: pipeline)
        var letters: [DeadLetter] = []
        if ids.isEmpty {
            letters = try await store.deadLetters(pipeline: pipeline, status: "pending", limit: 100_000)
        } else {
            // Each once, in the order given: a repeated id would deliver its letter twice.
            var seen = Set<Int>()
            for id in ids where seen.insert(id).inserted {
                guard let letter = try await store.deadLetter(id: id) else { throw RunError("no dead letter \(id)") }
                guard letter.pipeline == pipeline else { throw RunError("dead letter \(id) belongs to pipeline '\(letter.pipeline)'") }
                guard letter.status == "pending" else {
                    throw RunError(letter.status == "replayed" ? "dead letter \(id) was already replayed"
                                   : "dead letter \(id) is \(letter.status), not pending: it is not replayed")
                }
                letters.append(letter)
            }
        }
        var run = try await store.startRun(pipeline: pipeline, trigger: Self.trigger)
        var outcome = Outcome(run: run, delivered: [], stillFailing: [], sourceRejects: [])
        // Counted before anything can fail (a sink that cannot open delivers none of them), and
        // narrowed to the replayable ones once the steps are known (a source's are not, but for
        // an earlier mapping's, told apart only then).
        outcome.attempted = letters.filter { $0.step != "source" }.count
        // Whatever fails from here on (a sink that cannot open, a component that cannot be
        // built) ends the run record as failed, never leaves it "running", and closes what opened.
        var opened: [any SinkConnector] = []
        do {
            let trace = TraceContext.of(run: run.id)
            let context = runner.context(runID: run.id)
            var processor = try runner.makeProcessor(context: context)
            // Steps that carry something from batch to batch (dedupe) judge a run's records against
            // each other; letters are not a run, and a letter such a step dropped as a repeat of an
            // older one would be marked replayed without reaching any sink.
            processor.steps.removeAll { $0.step.processesInOrder }
            processor.collectsOrigins = true
            let stored = try await store.checkpoint(pipeline: pipeline, stream: PipelineRunner.stream)
            for (key, sink) in processor.sinks {
                try await sink.open(resumingAt: stored?.sinkPositions[key])
                opened.append(sink)
            }

            var positions = try await runner.pinNewSinks(processor.sinks, stored: stored, run: run)
            // Oldest first: when a record failed more than once, its latest version is delivered last.
            let mapping = processor.steps.first?.label.hasPrefix("mapping ") == true ? processor.steps.first?.label : nil
            let isEarlierMapping = { (letter: DeadLetter) in Self.isEarlierMappingLetter(letter, mapping: mapping) }
            let replayable = letters.filter { $0.step != "source" || isEarlierMapping($0) }.sorted { $0.id < $1.id }
            // Batches of letters, those that go through the steps first; letters of a sink's condition skip them.
            let size = runner.definition.batchSize
            let batches = [(replayable.filter { !Self.isSinkLetter($0) }, true), (replayable.filter(Self.isSinkLetter), false)]
                .flatMap { group, throughSteps in
                    stride(from: 0, to: group.count, by: size).map { (Array(group[$0..<min(group.count, $0 + size)]), throughSteps) }
                }
            outcome.sourceRejects = letters.filter { $0.step == "source" && !isEarlierMapping($0) }.map(\.id)
            outcome.attempted = replayable.count
            for (index, (batch, throughSteps)) in batches.enumerated() {
                // The letter id travels in the origin so failures can be matched back to it.
                let records = batch.map {
                    Record(original: $0.payload, origin: RecordOrigin($0.origin + "#dead-letter-\($0.id)"), fields: $0.sourceFields)
                }
                // A replay is a run: its trace, a span per batch, like any other.
                let span = trace.batch(index + 1)
                var transformed = try await processor.transform(records, throughSteps: throughSteps,
                                                                trace: runner.definition.trace ? span : nil)
                var failedIDs = Set(transformed.failures.map { Self.letterID($0.failure.record.origin) })
                if !failedIDs.isEmpty {
                    // A letter still failing delivers nothing, not even the part of it that passes
                    // (a record whose alert still fails): every attempt would deliver that again.
                    // The letters that passed go through once more, alone (the order-bound steps are
                    // out), until none fails (a step may judge by the clock).
                    var failures = transformed.failures
                    let received = transformed.digests?.input
                    while true {
                        let passing = records.filter { !failedIDs.contains(Self.letterID($0.origin)) }
                        transformed = try await processor.transform(passing, throughSteps: throughSteps,
                                                                    trace: runner.definition.trace ? span : nil)
                        let more = Set(transformed.failures.map { Self.letterID($0.failure.record.origin) }).subtracting(failedIDs)
                        if more.isEmpty { break }
                        failures += transformed.failures
                        failedIDs.formUnion(more)
                    }
                    transformed.failures = failures
                    // The provenance entry proves every letter received, and the events delivered.
                    if let received { transformed.digests?.input = received }
                }
                let moved = try await TraceContext.$current.withValue(span) { try await processor.deliver(transformed) }
                positions.merge(moved) { $1 }
                for (step, failure) in transformed.failures {
                    outcome.stillFailing.append((Self.letterID(failure.record.origin), runner.gateway.secrets.scrub("\(step): \(failure)")))
                }
                let delivered = batch.map(\.id).filter { !failedIDs.contains($0) }
                outcome.delivered += delivered
                let passed = Set(transformed.passedOrigins.compactMap { Self.replayed($0)?.letter })
                outcome.passedOnByNoStep += delivered.filter { !passed.contains($0) }
                run.recordsRead += batch.count
                run.recordsWritten += transformed.envelopes.count
                run.recordsFailed += transformed.failures.count
                // Sinks that keep positions move on; they are stored with the existing source
                // checkpoint, the letters marked replayed and the batch's provenance entry in one
                // transaction: a crash can neither lose what a jsonl sink wrote nor deliver it again.
                let provenance = transformed.digests.map {
                    runner.definition.provenanceEntry($0, run: run, batch: index + 1,
                                                      positions: positions, checkpoint: stored?.checkpoint)
                }
                // The source's checkpoint stays; the sinks' positions move (with no checkpoint yet,
                // a null one holds them, as the pin above does).
                let updated = moved.isEmpty ? nil : StoredCheckpoint(checkpoint: stored?.checkpoint ?? Checkpoint(.null), sinkPositions: positions,
                                                                     runID: stored?.runID ?? run.id, updatedAt: Timestamp.now())
                try await store.commit(updated, pipeline: pipeline, stream: PipelineRunner.stream, run: run,
                                       deadLetters: [], provenance: provenance, replayed: delivered, superseded: [])
                // A letter failing again says how it fails now: the field to fix may have moved on.
                let refreshed = zip(transformed.failures, processor.deadLetters(transformed.failures, pipeline: pipeline, runID: run.id,
                                                                                secrets: runner.gateway.secrets)).map { failed, letter in
                    var letter = letter
                    letter.id = Self.letterID(failed.failure.record.origin)
                    return letter
                }
                // Only a letter that fails at the same kind of place: one of a step that now fails at a
                // sink's condition still holds the raw record, and as a sink letter it would be
                // replayed past the steps, unmapped.
                let kinds = Dictionary(batch.map { ($0.id, Self.isSinkLetter($0)) }, uniquingKeysWith: { first, _ in first })
                try await store.refreshDeadLetters(refreshed.filter { $0.id > 0 && kinds[$0.id] == Self.isSinkLetter($0) })
            }
            opened = []
            for (_, sink) in processor.sinks { try await sink.close() }
            run.status = .succeeded
        } catch {
            run.status = .failed
            run.error = runner.gateway.secrets.scrub("\(error)")
            for sink in opened { try? await sink.close() }
        }
        run.finishedAt = Timestamp.now()
        try await store.finishRun(run)
        outcome.run = run
        return outcome
    }

    /// A letter of a connector's mapping kept by a version that mapped in the source: a
    /// `source` letter with the raw record, which `mapping` (the first step's label, when the
    /// source has its own mapping) now takes.
    static func isEarlierMappingLetter(_ letter: DeadLetter, mapping: String?) -> Bool {
        guard let mapping else { return false }
        return letter.step == "source" && letter.reason.hasPrefix(mapping + ": ") && letter.payload.objectValue != nil
    }

    /// A letter of a sink's condition (`sinks[1] webhook`): it holds the event, its steps done.
    static func isSinkLetter(_ letter: DeadLetter) -> Bool {
        letter.step.hasPrefix("sinks[")
    }

    static func letterID(_ origin: RecordOrigin) -> Int {
        replayed(origin.source)?.letter ?? -1
    }

    /// Where a record came from before it was replayed: a keyless record's event id follows
    /// from it, so a replayed letter upserts the row a later rerun of its input writes.
    static func originalOrigin(_ origin: RecordOrigin) -> String {
        let text = origin.description
        return replayed(text).map { String($0.original) } ?? text
    }

    /// `text` split at a replay's `#dead-letter-N` ending: what it was before, and N. Checked
    /// from the end, without a search: it runs for every keyless record.
    static func replayed(_ text: String) -> (original: Substring, letter: Int)? {
        let utf8 = text.utf8
        var digits = utf8.endIndex
        while digits > utf8.startIndex, case let byte = utf8[utf8.index(before: digits)], byte >= 0x30 && byte <= 0x39 {
            digits = utf8.index(before: digits)
        }
        guard digits < utf8.endIndex, let letter = Int(text[digits...]) else { return nil }
        let original = text[..<digits]
        guard original.hasSuffix("#dead-letter-") else { return nil }
        return (original.dropLast("#dead-letter-".count), letter)
    }
}
