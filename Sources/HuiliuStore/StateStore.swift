public import Foundation
import HuiliuCore

/// Where Huiliu keeps its own state: run history, committed checkpoints, dead letters.
///
/// The embedded default is ``SQLiteStateStore``; the protocol is what a shared store for
/// several gateways would implement.
public protocol StateStore: Sendable {
    /// Records the start of a run and returns it.
    func startRun(pipeline: String, trigger: String) async throws -> RunRecord
    /// Records the end of a run, with its final counts.
    func finishRun(_ run: RunRecord) async throws
    /// Marks a pipeline's runs left `running` by a process that died as `interrupted`
    /// (all pipelines' when `nil`); returns how many.
    func markInterruptedRuns(pipeline: String?, reason: String) async throws -> Int
    /// Marks the runs of `ids` still `running` as `interrupted`; returns how many.
    func markInterrupted(runs ids: [String]) async throws -> Int
    /// Forgets finished runs started before `cutoff` (RFC 3339, UTC), keeping each pipeline's
    /// latest finished run; returns how many.
    func pruneRuns(startedBefore cutoff: String) async throws -> Int
    /// Runs, newest first.
    func runs(pipeline: String?, status: RunStatus?, limit: Int) async throws -> [RunRecord]
    /// One run.
    func run(id: String) async throws -> RunRecord?

    /// The committed checkpoint of a pipeline's stream.
    func checkpoint(pipeline: String, stream: String) async throws -> StoredCheckpoint?
    /// Commits a checkpoint together with the batch's dead letters, the run's counts so far, the
    /// batch's provenance entry (appended to the pipeline's chain), the dead letters a replay
    /// delivered (marked replayed by `run`) and the pending ones the batch delivered a later
    /// version of (marked superseded by `run`), atomically: after a crash either all of them
    /// are there or none is.
    func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                deadLetters: [DeadLetter], provenance: ProvenanceEntry?, replayed: [Int], superseded: [Int]) async throws
    /// How many dead letters are pending, by pipeline (pipelines with none left out).
    func pendingDeadLetterCounts() async throws -> [String: Int]
    /// The ids of a pipeline's pending dead letters with their records' identity at the source
    /// (``SourceFields/identity``), for matching them with later deliveries; without payloads.
    func pendingLetterKeys(pipeline: String) async throws -> [(id: Int, identity: String)]
    /// A pipeline's provenance chain from the link after `sequence`, in order, at most `limit` links.
    func provenance(pipeline: String, after sequence: Int, limit: Int) async throws -> [ProvenanceLink]
    /// The pipelines that have a provenance chain, by name.
    func provenancePipelines() async throws -> [String]
    /// Forgets a pipeline's checkpoints (a full re-sync).
    func resetCheckpoints(pipeline: String) async throws

    /// The last fire time the daemon scheduled for a pipeline, for its missed-run policy.
    func lastScheduledFire(pipeline: String) async throws -> Date?
    /// Records a fire time the daemon acted on; with `replacing`, only while that one is the
    /// time recorded (a put-back must not undo a later fire another gateway claimed since).
    func recordScheduledFire(pipeline: String, at: Date, replacing claimed: Date?) async throws
    /// Records `at` as the fire time this gateway serves, unless one at or after it is recorded
    /// already: false when another gateway sharing the store claimed it first.
    func claimScheduledFire(pipeline: String, at: Date) async throws -> Bool
    /// The size of the store on disk, in bytes.
    func sizeInBytes() async throws -> Int

    /// Stores dead letters; returns them with their ids.
    @discardableResult
    func addDeadLetters(_ letters: [DeadLetter]) async throws -> [DeadLetter]
    /// Dead letters, newest first; without `payloads`, each with a null payload (a list never
    /// shows them, and 100,000 of them are gigabytes).
    func deadLetters(pipeline: String?, status: String?, limit: Int, payloads: Bool) async throws -> [DeadLetter]
    /// One dead letter.
    func deadLetter(id: Int) async throws -> DeadLetter?
    /// Marks dead letters as replayed by a run.
    func markReplayed(ids: [Int], runID: String) async throws
    /// Gives pending dead letters that failed again on replay that failure's step, reason,
    /// pointer and rule (each letter's `id` says which): the mapping may have changed since.
    func refreshDeadLetters(_ letters: [DeadLetter]) async throws
    /// Marks pending dead letters `discarded`: kept, payload and all, but never replayed (the
    /// input was fixed and read again, or the record is not wanted). Returns the ids that were
    /// pending; others are left as they are.
    func discardDeadLetters(ids: [Int]) async throws -> [Int]
    /// Makes `superseded` or `discarded` dead letters pending again, to be replayed after all.
    /// Returns the ids that were reopened; others are left as they are.
    func reopenDeadLetters(ids: [Int]) async throws -> [Int]
    /// Commits like ``commit(_:pipeline:stream:run:deadLetters:provenance:replayed:superseded:)``
    /// the checkpoint an aborted run is put back to, and in the same transaction marks the run's
    /// pending dead letters `aborted`: their records are read again, and replaying them as well
    /// would deliver them twice. (Apart, a crash between the two did just that.) The letters the
    /// run superseded are pending again: its deliveries are rolled back.
    func commitAbort(_ checkpoint: StoredCheckpoint, pipeline: String, stream: String, run: RunRecord,
                     deadLetters: [DeadLetter], provenance: ProvenanceEntry?) async throws
}

extension StateStore {
    /// Commits a batch without a provenance entry.
    public func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                       deadLetters: [DeadLetter]) async throws {
        try await commit(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters, provenance: nil, replayed: [],
                         superseded: [])
    }

    /// Commits a batch of a run, with its provenance entry.
    public func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                       deadLetters: [DeadLetter], provenance: ProvenanceEntry?) async throws {
        try await commit(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters, provenance: provenance,
                         replayed: [], superseded: [])
    }

    /// Marks a pipeline's runs left `running` by a process that died as `interrupted`, saying so.
    public func markInterruptedRuns(pipeline: String?) async throws -> Int {
        try await markInterruptedRuns(pipeline: pipeline, reason: RunRecord.interruptedReason)
    }

    /// Records a fire time the daemon acted on.
    public func recordScheduledFire(pipeline: String, at: Date) async throws {
        try await recordScheduledFire(pipeline: pipeline, at: at, replacing: nil)
    }

    /// A store of one gateway: every fire time is its own.
    public func claimScheduledFire(pipeline: String, at: Date) async throws -> Bool {
        try await recordScheduledFire(pipeline: pipeline, at: at)
        return true
    }
}

extension StateStore {
    /// Dead letters, newest first, payloads and all.
    public func deadLetters(pipeline: String?, status: String?, limit: Int) async throws -> [DeadLetter] {
        try await deadLetters(pipeline: pipeline, status: status, limit: limit, payloads: true)
    }
}
