import Foundation
import HuiliuCore
import HuiliuStore
@testable import HuiliuTestSupport
import Testing

/// What every state store must do, run against the embedded SQLite store and the shared
/// PostgreSQL one (a real server on loopback, a new database per test).
struct StateStoreTests {
    enum Backend: CaseIterable, Sendable {
        case sqlite, postgres
    }

    func temporaryStore(_ backend: Backend) async throws -> (any StateStore, String) {
        switch backend {
        case .sqlite:
            let path = NSTemporaryDirectory() + "huiliu-store-\(UUID().uuidString)/state.db"
            return (try SQLiteStateStore(path: path), path)
        case .postgres:
            let url = try await Self.newDatabase()
            return (try PostgresStateStore(url: url), url)
        }
    }

    /// The URL of a new, empty database on the shared test server.
    static func newDatabase() async throws -> String {
        let server = try await require(PostgresServer.shared)
        let name = "store_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresConnection(url: server.url) { $0 }.execute("CREATE DATABASE \(name)")
        return "postgresql://huiliu@127.0.0.1:\(server.port)/\(name)"
    }

    @Test(arguments: Backend.allCases) func commitsCheckpointDeadLettersAndCountsTogether(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        var run = try await store.startRun(pipeline: "p", trigger: "test")
        run.recordsRead = 10
        run.recordsFailed = 1
        let letter = DeadLetter(pipeline: "p", runID: run.id, step: "steps[0] map", origin: "a.csv:3", reason: "bad",
                                pointer: "/amount_fen", rule: "minimum", payload: ["x": 1])
        try await store.commit(StoredCheckpoint(checkpoint: Checkpoint(["offset": 42]), sinkPositions: ["0:jsonl": ["length": 9]],
                                                runID: run.id, updatedAt: Timestamp.now()),
                               pipeline: "p", stream: "main", run: run, deadLetters: [letter])
        let stored = try await store.checkpoint(pipeline: "p", stream: "main")
        #expect(stored?.checkpoint.value == ["offset": 42])
        #expect(stored?.sinkPositions["0:jsonl"] == ["length": 9])
        let letters = try await store.deadLetters(pipeline: "p", status: "pending", limit: 10)
        #expect(letters.count == 1)
        #expect(letters.first?.payload == ["x": 1])
        #expect(letters.first?.pointer == "/amount_fen")
        #expect(try await store.run(id: run.id)?.recordsRead == 10)
    }

    /// Each commit with a provenance entry appends it to the pipeline's chain in the same
    /// transaction: numbered from 1, each naming the hash of the one before (all zeros for the
    /// first), its hash SHA-256 of its stored text. Chains of pipelines are separate.
    @Test(arguments: Backend.allCases) func appendsProvenanceEntriesToTheirPipelinesChain(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let run = try await store.startRun(pipeline: "p", trigger: "test")
        func entry(_ batch: Int) -> ProvenanceEntry {
            ProvenanceEntry(runID: run.id, trigger: "test", batch: batch, source: "/p", connector: "file",
                            input: .init(count: 2, bytes: 20, sha256: String(repeating: "a", count: 64)),
                            sinks: [.init(key: "0:jsonl", events: .init(count: 2, bytes: 10, sha256: String(repeating: "b", count: 64)),
                                          position: ["length": .integer(batch * 10)])],
                            checkpoint: ["offset": .integer(batch)], recordedAt: "2026-11-29T10:00:0\(batch).000Z")
        }
        for batch in 1...3 {
            try await store.commit(StoredCheckpoint(checkpoint: Checkpoint(["offset": .integer(batch)]), sinkPositions: [:], runID: run.id,
                                                    updatedAt: Timestamp.now()),
                                   pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: entry(batch))
        }
        try await store.commit(nil, pipeline: "q", stream: "main", run: run, deadLetters: [], provenance: entry(1))
        #expect(try await store.provenancePipelines() == ["p", "q"])
        let links = try await store.provenance(pipeline: "p", after: 0, limit: 10)
        #expect(links.map(\.sequence) == [1, 2, 3])
        #expect(links.map(\.hash) == links.map { ProvenanceEntry.hash(of: $0.text) })
        #expect(links[0].text == entry(1).text(pipeline: "p", sequence: 1, previous: ProvenanceEntry.genesis))
        #expect(links[2].text == entry(3).text(pipeline: "p", sequence: 3, previous: links[1].hash))
        #expect(links[0].text.hasPrefix(#"{"pipeline":"p","sequence":1,"previous":"0000000000000000000000000000000000000000000000000000000000000000","recorded_at":"2026-11-29T10:00:01.000Z""#))
        #expect(try await store.provenance(pipeline: "p", after: 2, limit: 10).map(\.sequence) == [3])
        #expect(try await store.provenance(pipeline: "q", after: 0, limit: 10).map(\.sequence) == [1])
    }

    @Test(arguments: Backend.allCases) func marksAbandonedRunsInterrupted(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let run = try await store.startRun(pipeline: "p", trigger: "test")
        #expect(try await store.markInterruptedRuns(pipeline: "p") == 1)
        #expect(try await store.run(id: run.id)?.status == .interrupted)
        #expect(try await store.run(id: run.id)?.error == RunRecord.interruptedReason)
    }

    /// Only the runs named, and only while they are still running.
    @Test(arguments: Backend.allCases) func marksNamedRunsInterrupted(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let stale = try await store.startRun(pipeline: "p", trigger: "test")
        let live = try await store.startRun(pipeline: "p", trigger: "test")
        var done = try await store.startRun(pipeline: "q", trigger: "test")
        done.status = .succeeded
        try await store.finishRun(done)
        #expect(try await store.markInterrupted(runs: [stale.id, done.id]) == 1)
        #expect(try await store.run(id: stale.id)?.status == .interrupted)
        #expect(try await store.run(id: stale.id)?.error == RunRecord.interruptedReason, "runs --failed says why")
        #expect(try await store.run(id: live.id)?.status == .running)
        #expect(try await store.run(id: done.id)?.status == .succeeded)
        #expect(try await store.markInterrupted(runs: []) == 0)
    }

    /// Finished runs started before the cutoff go; running ones and each pipeline's latest stay.
    @Test(arguments: Backend.allCases) func prunesOldRunsButEachPipelinesLatest(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        var ids: [String: String] = [:]
        for (name, pipeline, status) in [("a-old", "a", RunStatus.succeeded), ("a-new", "a", .failed), ("b-only", "b", .succeeded),
                                         ("c-running", "c", .running), ("c-later", "c", .succeeded),
                                         ("d-finished", "d", .succeeded), ("d-running", "d", .running)] {
            var run = try await store.startRun(pipeline: pipeline, trigger: "test")
            ids[name] = run.id
            if status != .running {
                run.status = status
                try await store.finishRun(run)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await store.pruneRuns(startedBefore: "9999-01-01T00:00:00.000Z") == 1)
        #expect(try await store.run(id: ids["a-old"]!) == nil)
        // A pipeline whose latest run is still running keeps its latest finished one too.
        for kept in ["a-new", "b-only", "c-running", "c-later", "d-finished", "d-running"] { #expect(try await store.run(id: ids[kept]!) != nil, "\(kept)") }
        #expect(try await store.pruneRuns(startedBefore: "2000-01-01T00:00:00.000Z") == 0)
    }

    @Test(arguments: Backend.allCases) func listsRunsNewestFirstAndFilters(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        var a = try await store.startRun(pipeline: "a", trigger: "test")
        a.status = .failed
        a.finishedAt = Timestamp.now()
        try await store.finishRun(a)
        _ = try await store.startRun(pipeline: "b", trigger: "test")
        #expect(try await store.runs(pipeline: nil, status: nil, limit: 10).map(\.pipeline) == ["b", "a"])
        #expect(try await store.runs(pipeline: nil, status: .failed, limit: 10).map(\.pipeline) == ["a"])
    }

    /// The state holds dead letters' raw personal data: a store file made by Huiliu is its
    /// owner's alone; one that existed keeps its mode.
    @Test func aNewStoreFileIsReadableByItsOwnerOnly() throws {
        let directory = NSTemporaryDirectory() + "huiliu-store-\(UUID().uuidString)"
        _ = try SQLiteStateStore(path: directory + "/state.db")
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/state.db")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: directory + "/state.db")
        _ = try SQLiteStateStore(path: directory + "/state.db")
        #expect(try FileManager.default.attributesOfItem(atPath: directory + "/state.db")[.posixPermissions] as? Int == 0o640)
    }

    @Test(arguments: Backend.allCases) func marksDeadLettersReplayed(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let stored = try await store.addDeadLetters([DeadLetter(pipeline: "p", runID: "r", step: "s", origin: "o", reason: "x", payload: 1)])
        try await store.markReplayed(ids: stored.map(\.id), runID: "r2")
        let letter = try await store.deadLetter(id: stored[0].id)
        #expect(letter?.status == "replayed")
        #expect(letter?.replayRunID == "r2")
    }

    /// A list leaves the payloads in the store (100,000 letters of 100 MB took 470 MB to list).
    @Test(arguments: Backend.allCases) func listsDeadLettersWithoutTheirPayloads(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        _ = try await store.addDeadLetters([DeadLetter(pipeline: "p", runID: "r", step: "s", origin: "o", reason: "x", payload: ["a": 1])])
        let listed = try await store.deadLetters(pipeline: "p", status: nil, limit: 10, payloads: false)
        #expect(listed.map(\.payload) == [.null] && listed.map(\.origin) == ["o"])
        #expect(try await store.deadLetters(pipeline: "p", status: nil, limit: 10).map(\.payload) == [["a": 1]])
    }

    /// Pending letters are counted by pipeline; replayed ones are not, and a pipeline with none is left out.
    @Test(arguments: Backend.allCases) func countsPendingLettersByPipeline(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let stored = try await store.addDeadLetters([
            DeadLetter(pipeline: "p", runID: "r", step: "s", origin: "a:1", reason: "x", payload: 1),
            DeadLetter(pipeline: "p", runID: "r", step: "s", origin: "a:2", reason: "x", payload: 2),
            DeadLetter(pipeline: "q", runID: "r", step: "s", origin: "b:1", reason: "x", payload: 3),
        ])
        try await store.markReplayed(ids: [stored[2].id], runID: "r2")
        #expect(try await store.pendingDeadLetterCounts() == ["p": 2])
    }

    /// A letter failing again on replay takes the new failure's step, reason, pointer and rule;
    /// its origin, payload and status stay, and a letter no longer pending is left alone.
    @Test(arguments: Backend.allCases) func refreshesPendingLettersThatFailAgain(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let stored = try await store.addDeadLetters([
            DeadLetter(pipeline: "p", runID: "r", step: "steps[0] map", origin: "a.csv:3", reason: "old", pointer: "/pay_date", payload: 1),
            DeadLetter(pipeline: "p", runID: "r", step: "steps[0] map", origin: "a.csv:4", reason: "old", pointer: "/pay_date", payload: 2),
        ])
        try await store.markReplayed(ids: [stored[1].id], runID: "r2")
        let again = stored.map { old in
            var letter = DeadLetter(pipeline: "p", runID: "r3", step: "steps[2] validate", origin: "a.csv:3#dead-letter-1",
                                    reason: "new", pointer: "/payee/account", rule: "pattern", payload: 9)
            letter.id = old.id
            return letter
        }
        try await store.refreshDeadLetters(again)
        let first = try #require(try await store.deadLetter(id: stored[0].id))
        #expect([first.step, first.reason, first.pointer, first.rule, first.origin, first.status]
                == ["steps[2] validate", "new", "/payee/account", "pattern", "a.csv:3", "pending"])
        #expect(first.payload == 1)
        #expect(try await store.deadLetter(id: stored[1].id)?.reason == "old")
    }

    /// Discarding keeps a pending letter (payload and all) out of replays; a letter that is not
    /// pending is left as it was, and an id that names none is not reported discarded.
    @Test(arguments: Backend.allCases) func discardsOnlyPendingLetters(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let stored = try await store.addDeadLetters([
            DeadLetter(pipeline: "p", runID: "r", step: "source", origin: "a.csv:92", reason: "x", payload: "row"),
            DeadLetter(pipeline: "p", runID: "r", step: "s", origin: "a.csv:93", reason: "y", payload: 2),
        ])
        try await store.markReplayed(ids: [stored[1].id], runID: "r2")
        let discarded = try await store.discardDeadLetters(ids: [stored[0].id, stored[1].id, 9_999])
        #expect(discarded == [stored[0].id])
        #expect(try await store.deadLetter(id: stored[0].id)?.status == "discarded")
        #expect(try await store.deadLetter(id: stored[0].id)?.payload == "row")
        #expect(try await store.deadLetter(id: stored[1].id)?.status == "replayed")
        #expect(try await store.deadLetters(pipeline: "p", status: "pending", limit: 10).isEmpty)
        #expect(try await store.discardDeadLetters(ids: [stored[0].id]).isEmpty)
    }

    /// A commit supersedes only pending letters, naming its run; the pending ones are listed with
    /// their source type and key; an aborted run's supersedes are undone with its deliveries.
    @Test(arguments: Backend.allCases) func supersedesOnlyPendingLettersWithTheCommit(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let fields = SourceFields(value: ["key": "K1", "type": "t.raw.v1"])
        let stored = try await store.addDeadLetters([
            DeadLetter(pipeline: "p", runID: "r", step: "map", origin: "t/K1", reason: "x", payload: 1, sourceFields: fields),
            DeadLetter(pipeline: "p", runID: "r", step: "map", origin: "t/K2", reason: "y", payload: 2),
        ])
        let keys = try await store.pendingLetterKeys(pipeline: "p")
        #expect(keys.map(\.id) == [stored[0].id] && keys.first?.identity == SourceFields(value: ["type": "t.raw.v1", "key": "K1"]).identity)
        try await store.markReplayed(ids: [stored[1].id], runID: "r2")
        var run = try await store.startRun(pipeline: "p", trigger: "test")
        let checkpoint = StoredCheckpoint(checkpoint: Checkpoint(.integer(1)), sinkPositions: [:], runID: run.id, updatedAt: Timestamp.now())
        try await store.commit(checkpoint, pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: nil, replayed: [],
                               superseded: [stored[0].id, stored[1].id, 9_999])
        let superseded = try await store.deadLetter(id: stored[0].id)
        #expect(superseded?.status == "superseded" && superseded?.replayRunID == run.id)
        #expect(try await store.deadLetter(id: stored[1].id)?.status == "replayed")
        #expect(try await store.deadLetters(pipeline: "p", status: "superseded", limit: 10).map(\.id) == [stored[0].id])
        run.status = .failed
        try await store.commitAbort(checkpoint, pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: nil)
        #expect(try await store.deadLetter(id: stored[0].id)?.status == "pending")
        // A supersede or discard made in error is undone by reopening; a replayed letter stays replayed.
        try await store.commit(checkpoint, pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: nil, replayed: [],
                               superseded: [stored[0].id])
        #expect(try await store.reopenDeadLetters(ids: [stored[0].id, stored[1].id, 9_999]) == [stored[0].id])
        let reopened = try await store.deadLetter(id: stored[0].id)
        #expect(reopened?.status == "pending" && reopened?.replayRunID == nil)
        #expect(try await store.deadLetter(id: stored[1].id)?.status == "replayed")
    }

    /// A record that fails the same way again (re-read after a crash) stays one pending letter;
    /// once replayed, a new failure is a new letter.
    @Test(arguments: Backend.allCases) func theSameFailureAgainIsOneLetter(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let letter = DeadLetter(pipeline: "p", runID: "r1", step: "steps[0] map", origin: "tap:7", reason: "bad", payload: ["n": 7])
        let first = try await store.addDeadLetters([letter])
        var again = letter
        again.runID = "r2"
        let second = try await store.addDeadLetters([again, DeadLetter(pipeline: "p", runID: "r2", step: "steps[0] map",
                                                                       origin: "tap:8", reason: "bad", payload: ["n": 8])])
        #expect(second[0].id == first[0].id)
        #expect(try await store.deadLetters(pipeline: "p", status: "pending", limit: 10).count == 2)
        // The letter says why it failed the last time: the step may have changed meanwhile.
        var changed = letter
        changed.reason = "still bad, another way"
        changed.pointer = "/amount"
        _ = try await store.addDeadLetters([changed])
        #expect(try await store.deadLetter(id: first[0].id)?.reason == "still bad, another way")
        #expect(try await store.deadLetter(id: first[0].id)?.pointer == "/amount")
        try await store.markReplayed(ids: [first[0].id], runID: "r3")
        #expect(try await store.addDeadLetters([letter])[0].id != first[0].id)
    }

    /// A NUL inside text does not end it: SQLite keeps it, PostgreSQL (whose text cannot hold
    /// one) keeps U+FFFD in its place; either way two origins that differ after it stay two.
    @Test(arguments: Backend.allCases) func textWithANulIsKeptWhole(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let letters = ["tap\u{0}:7", "tap\u{0}:8"].map {
            DeadLetter(pipeline: "p", runID: "r1", step: "source", origin: $0, reason: "bad", payload: ["n": 7])
        }
        try await store.addDeadLetters(letters)
        let stored = try await store.deadLetters(pipeline: "p", status: nil, limit: 5).map(\.origin).sorted()
        let nul = backend == .sqlite ? "\u{0}" : "\u{FFFD}"
        #expect(stored == ["tap\(nul):7", "tap\(nul):8"])
    }

    /// An aborted run is put back and its letters marked aborted in one commit: the records
    /// are read again, so replaying the letters too would deliver them twice. A second abort
    /// of the same failures keeps them once.
    @Test(arguments: Backend.allCases) func anAbortPutsTheCheckpointBackAndRetiresItsLettersTogether(backend: Backend) async throws {
        let (store, _) = try await temporaryStore(backend)
        let start = StoredCheckpoint(checkpoint: Checkpoint(["cursor": 10]), sinkPositions: [:], runID: "r0", updatedAt: Timestamp.now())
        for attempt in 1...2 {
            var run = try await store.startRun(pipeline: "p", trigger: "manual")
            let letter = DeadLetter(pipeline: "p", runID: run.id, step: "steps[0] map", origin: "tap:7", reason: "bad", payload: ["n": 7])
            var moved = start
            moved.checkpoint = Checkpoint(["cursor": 20])
            try await store.commit(moved, pipeline: "p", stream: "main", run: run, deadLetters: [letter])
            #expect(try await store.deadLetters(pipeline: "p", status: "pending", limit: 10).count == 1)
            run.status = .failed
            try await store.commitAbort(start, pipeline: "p", stream: "main", run: run, deadLetters: [], provenance: nil)
            #expect(try await store.checkpoint(pipeline: "p", stream: "main")?.checkpoint.value == ["cursor": 10])
            #expect(try await store.deadLetters(pipeline: "p", status: "pending", limit: 10).isEmpty, "attempt \(attempt)")
            #expect(try await store.deadLetters(pipeline: "p", status: "aborted", limit: 10).count == 1, "attempt \(attempt)")
        }
    }

    /// Gateways sharing a PostgreSQL store see one state: a second store on the same database
    /// finds what the first committed, and creating the tables again is harmless.
    @Test func gatewaysSharingPostgreSQLSeeOneState() async throws {
        let url = try await Self.newDatabase()
        let first = try PostgresStateStore(url: url), second = try PostgresStateStore(url: url)
        let run = try await first.startRun(pipeline: "p", trigger: "node-a")
        try await first.commit(StoredCheckpoint(checkpoint: Checkpoint(["cursor": "2024-03-01 00:00:00"]), sinkPositions: [:],
                                                runID: run.id, updatedAt: Timestamp.now()),
                               pipeline: "p", stream: "main", run: run,
                               deadLetters: [DeadLetter(pipeline: "p", runID: run.id, step: "source", origin: "tap\u{0}:7",
                                                        reason: "bad\u{0}", payload: ["n": 7])])
        #expect(try await second.checkpoint(pipeline: "p", stream: "main")?.checkpoint.value == ["cursor": "2024-03-01 00:00:00"])
        #expect(try await second.runs(pipeline: "p", status: nil, limit: 5).map(\.trigger) == ["node-a"])
        // PostgreSQL text holds no NUL: it is stored as U+FFFD rather than failing the commit.
        #expect(try await second.deadLetters(pipeline: "p", status: nil, limit: 5).map(\.origin) == ["tap\u{FFFD}:7"])
        let when = Date(timeIntervalSince1970: 1_795_971_830.125)
        try await first.recordScheduledFire(pipeline: "p", at: when)
        #expect(try await second.lastScheduledFire(pipeline: "p") == when)
        #expect(try await second.sizeInBytes() > 0)
        // A fire time is served once: the gateway that claims it first runs it.
        let fire = Date(timeIntervalSince1970: 1_795_975_200)
        #expect(try await first.claimScheduledFire(pipeline: "p", at: fire))
        #expect(try await !second.claimScheduledFire(pipeline: "p", at: fire))
        #expect(try await second.claimScheduledFire(pipeline: "p", at: fire.addingTimeInterval(60)))
        #expect(try await first.lastScheduledFire(pipeline: "p") == fire.addingTimeInterval(60))
        // A run cut short puts its fire time back only while it is still the one recorded: a later
        // fire another gateway claimed meanwhile stays, or it would be served again.
        try await first.recordScheduledFire(pipeline: "p", at: fire.addingTimeInterval(-1), replacing: fire)
        #expect(try await first.lastScheduledFire(pipeline: "p") == fire.addingTimeInterval(60))
        try await second.recordScheduledFire(pipeline: "p", at: fire.addingTimeInterval(59), replacing: fire.addingTimeInterval(60))
        #expect(try await first.lastScheduledFire(pipeline: "p") == fire.addingTimeInterval(59))
        // A retry of an earlier fire time never moves the recorded one back.
        #expect(try await !first.claimScheduledFire(pipeline: "p", at: fire))
        #expect(try await second.lastScheduledFire(pipeline: "p") == fire.addingTimeInterval(59))
    }

    /// A password in the URL never shows in an error.
    @Test func aRefusedConnectionDoesNotShowThePassword() async throws {
        let server = try await require(PostgresServer.shared)
        #expect { try PostgresStateStore(url: "postgresql://nobody:s3cret-pass@127.0.0.1:\(server.port)/missing_db") } throws: {
            let text = "\($0)"
            return text.contains("cannot connect") && !text.contains("s3cret-pass")
        }
    }
}
