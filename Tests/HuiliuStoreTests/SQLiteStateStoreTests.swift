import Foundation
import HuiliuCore
import HuiliuStore
import Testing

struct SQLiteStateStoreTests {
    func temporaryStore() throws -> (SQLiteStateStore, String) {
        let path = NSTemporaryDirectory() + "huiliu-store-\(UUID().uuidString)/state.db"
        return (try SQLiteStateStore(path: path), path)
    }

    @Test func commitsCheckpointDeadLettersAndCountsTogether() async throws {
        let (store, _) = try temporaryStore()
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

    @Test func marksAbandonedRunsInterrupted() async throws {
        let (store, _) = try temporaryStore()
        let run = try await store.startRun(pipeline: "p", trigger: "test")
        #expect(try await store.markInterruptedRuns(pipeline: "p") == 1)
        #expect(try await store.run(id: run.id)?.status == .interrupted)
    }

    @Test func listsRunsNewestFirstAndFilters() async throws {
        let (store, _) = try temporaryStore()
        var a = try await store.startRun(pipeline: "a", trigger: "test")
        a.status = .failed
        a.finishedAt = Timestamp.now()
        try await store.finishRun(a)
        _ = try await store.startRun(pipeline: "b", trigger: "test")
        #expect(try await store.runs(pipeline: nil, status: nil, limit: 10).map(\.pipeline) == ["b", "a"])
        #expect(try await store.runs(pipeline: nil, status: .failed, limit: 10).map(\.pipeline) == ["a"])
    }

    @Test func marksDeadLettersReplayed() async throws {
        let (store, _) = try temporaryStore()
        let stored = try await store.addDeadLetters([DeadLetter(pipeline: "p", runID: "r", step: "s", origin: "o", reason: "x", payload: 1)])
        try await store.markReplayed(ids: stored.map(\.id), runID: "r2")
        let letter = try await store.deadLetter(id: stored[0].id)
        #expect(letter?.status == "replayed")
        #expect(letter?.replayRunID == "r2")
    }

    /// A record that fails the same way again (re-read after a crash) stays one pending letter;
    /// once replayed, a new failure is a new letter.
    @Test func theSameFailureAgainIsOneLetter() async throws {
        let (store, _) = try temporaryStore()
        let letter = DeadLetter(pipeline: "p", runID: "r1", step: "steps[0] map", origin: "tap:7", reason: "bad", payload: ["n": 7])
        let first = try await store.addDeadLetters([letter])
        var again = letter
        again.runID = "r2"
        let second = try await store.addDeadLetters([again, DeadLetter(pipeline: "p", runID: "r2", step: "steps[0] map",
                                                                       origin: "tap:8", reason: "bad", payload: ["n": 8])])
        #expect(second[0].id == first[0].id)
        #expect(try await store.deadLetters(pipeline: "p", status: "pending", limit: 10).count == 2)
        try await store.markReplayed(ids: [first[0].id], runID: "r3")
        #expect(try await store.addDeadLetters([letter])[0].id != first[0].id)
    }
}
