public import Foundation
import HuiliuCore

/// The embedded state store: one SQLite file (`data/huiliu.db` by default).
///
/// Every call runs on the store's own serial queue, one at a time. Commits wait for
/// fsync; on Swift's cooperative pool (a thread per core) that wait would stall the
/// pipeline's parsing and mapping, on the queue it costs no one else anything.
public final class SQLiteStateStore: StateStore {
    let database: StateDatabase
    let queue = BlockingQueue(label: "huiliu.store")

    /// Opens the store at `path`, creating the file, its directory and its tables as needed.
    public init(path: String) throws {
        database = try StateDatabase(path: path)
    }

    public func startRun(pipeline: String, trigger: String) async throws -> RunRecord {
        try await queue.run { [database] in try database.startRun(pipeline: pipeline, trigger: trigger) }
    }

    public func finishRun(_ run: RunRecord) async throws {
        try await queue.run { [database] in try database.finishRun(run) }
    }

    public func markInterruptedRuns(pipeline: String?, reason: String) async throws -> Int {
        try await queue.run { [database] in try database.markInterruptedRuns(pipeline: pipeline, reason: reason) }
    }

    public func pruneRuns(startedBefore cutoff: String) async throws -> Int {
        try await queue.run { [database] in try database.pruneRuns(startedBefore: cutoff) }
    }

    public func markInterrupted(runs ids: [String]) async throws -> Int {
        try await queue.run { [database] in try database.markInterrupted(runs: ids) }
    }

    public func runs(pipeline: String?, status: RunStatus?, limit: Int) async throws -> [RunRecord] {
        try await queue.run { [database] in try database.runs(pipeline: pipeline, status: status, limit: limit) }
    }

    public func run(id: String) async throws -> RunRecord? {
        try await queue.run { [database] in try database.run(id: id) }
    }

    public func checkpoint(pipeline: String, stream: String) async throws -> StoredCheckpoint? {
        try await queue.run { [database] in try database.checkpoint(pipeline: pipeline, stream: stream) }
    }

    public func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord,
                       deadLetters: [DeadLetter], provenance: ProvenanceEntry?, replayed: [Int], superseded: [Int]) async throws {
        try await queue.run { [database] in
            try database.commit(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters,
                                provenance: provenance, replayed: replayed, superseded: superseded)
        }
    }

    public func pendingDeadLetterCounts() async throws -> [String: Int] {
        try await queue.run { [database] in try database.pendingDeadLetterCounts() }
    }

    public func pendingLetterKeys(pipeline: String) async throws -> [(id: Int, identity: String)] {
        try await queue.run { [database] in try database.pendingLetterKeys(pipeline: pipeline) }
    }

    public func provenance(pipeline: String, after sequence: Int, limit: Int) async throws -> [ProvenanceLink] {
        try await queue.run { [database] in try database.provenance(pipeline: pipeline, after: sequence, limit: limit) }
    }

    public func provenancePipelines() async throws -> [String] {
        try await queue.run { [database] in try database.provenancePipelines() }
    }

    public func lastScheduledFire(pipeline: String) async throws -> Date? {
        try await queue.run { [database] in try database.lastScheduledFire(pipeline: pipeline) }
    }

    public func recordScheduledFire(pipeline: String, at: Date, replacing claimed: Date?) async throws {
        try await queue.run { [database] in try database.recordScheduledFire(pipeline: pipeline, at: at, replacing: claimed) }
    }

    public func sizeInBytes() async throws -> Int {
        try await queue.run { [database] in try database.sizeInBytes() }
    }

    public func resetCheckpoints(pipeline: String) async throws {
        try await queue.run { [database] in try database.resetCheckpoints(pipeline: pipeline) }
    }

    @discardableResult
    public func addDeadLetters(_ letters: [DeadLetter]) async throws -> [DeadLetter] {
        try await queue.run { [database] in try database.addDeadLetters(letters) }
    }

    public func deadLetters(pipeline: String?, status: String?, limit: Int, payloads: Bool) async throws -> [DeadLetter] {
        try await queue.run { [database] in try database.deadLetters(pipeline: pipeline, status: status, limit: limit, payloads: payloads) }
    }

    public func deadLetter(id: Int) async throws -> DeadLetter? {
        try await queue.run { [database] in try database.deadLetter(id: id) }
    }

    public func discardDeadLetters(ids: [Int]) async throws -> [Int] {
        try await queue.run { [database] in try database.discardDeadLetters(ids: ids) }
    }

    public func reopenDeadLetters(ids: [Int]) async throws -> [Int] {
        try await queue.run { [database] in try database.reopenDeadLetters(ids: ids) }
    }

    public func markReplayed(ids: [Int], runID: String) async throws {
        try await queue.run { [database] in try database.markReplayed(ids: ids, runID: runID) }
    }

    public func refreshDeadLetters(_ letters: [DeadLetter]) async throws {
        try await queue.run { [database] in try database.refreshDeadLetters(letters) }
    }

    public func commitAbort(_ checkpoint: StoredCheckpoint, pipeline: String, stream: String, run: RunRecord,
                            deadLetters: [DeadLetter], provenance: ProvenanceEntry?) async throws {
        try await queue.run { [database] in
            try database.commitAbort(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters,
                                     provenance: provenance)
        }
    }
}
