import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuKitTesting
@testable import HuiliuServer
import HuiliuStore
import Logging
import Synchronization
import Testing

/// The daemon between the scheduler and the store: fire times that come due while it waits
/// for the store are started, not lost, and a run the API accepted starts.
struct DaemonSchedulingTests {
    /// Definitions of `names`, each on `schedule` (with `jitter`), with a source and sink that never run here.
    static func definitions(_ names: [String], schedule: String, jitter: String = "0s", missedRuns: String = "skip",
                            overlap: String = "skip", retry: String = "{}") throws -> [PipelineDefinition] {
        let loader = PipelineLoader(registry: try registry(), resolver: ReferenceResolver(environment: [:]), projectDirectory: NSTemporaryDirectory())
        return try names.map { name in
            let node = try YAMLDocument.parse("""
                version: 1
                name: \(name)
                schedule: "\(schedule)"
                scheduling: { jitter: \(jitter), missed_runs: \(missedRuns), overlap: \(overlap), retry: \(retry) }
                source: { nothing: {} }
                sinks: [{ nowhere: {} }]
                """, file: "\(name).yaml")
            guard case .pipeline(let definition) = loader.validate(node, file: "\(name).yaml", directory: NSTemporaryDirectory()) else {
                throw RunError("\(name) did not load")
            }
            return definition
        }
    }

    /// A source and a sink that never run here.
    static func registry() throws -> ConnectorRegistry {
        var registry = ConnectorRegistry()
        try registry.register(sourceSpec: ComponentSpec(name: "nothing", kind: .source, summary: "Test source.", fields: [])) { _, _ in
            throw RunError("no runs in this test")
        }
        try registry.register(sinkSpec: ComponentSpec(name: "nowhere", kind: .sink, summary: "Test sink.", fields: [])) { _, _ in
            throw RunError("no runs in this test")
        }
        return registry
    }

    /// A daemon whose runners are never run (a reload only asks them to register with buffers).
    static func daemon(_ pipelines: [PipelineDefinition], store: any StateStore,
                       logger: Logger = Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }) throws -> Daemon {
        let registry = try registry(), gateway = try GatewayConfig.load(path: nil, projectDirectory: NSTemporaryDirectory())
        return Daemon(pipelines: pipelines, store: store, defaultZone: TimeZone(identifier: "Asia/Shanghai")!,
                      logger: logger, loadPipelines: { .success(pipelines) },
                      makeRunner: { PipelineRunner(definition: $0, registry: registry, store: store, gateway: gateway, logger: logger) })
    }

    /// Runs that take no time, until `enough` holds of the starts per pipeline or `seconds`
    /// passed: every start is finished at once. Returns the starts per pipeline.
    static func drive(_ daemon: Daemon, seconds: Double, until enough: ([String: Int]) -> Bool) async -> [String: Int] {
        var started: [String: Int] = [:]
        func finish(_ starts: [Daemon.RunRequest]) async {
            var pending = starts
            while let request = pending.popLast() {
                started[request.definition.name, default: 0] += 1
                pending += await daemon.handle(.finished(pipeline: request.definition.name, schedulerRun: request.schedulerRun,
                                                         success: true)).starts
            }
        }
        await finish(await daemon.bootstrap())
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, !enough(started) {
            await finish(await daemon.handle(.tick).starts)
            try? await Task.sleep(for: .milliseconds(50))
        }
        return started
    }

    /// A store slow to claim fire times (a busy disk, a shared PostgreSQL): while the daemon
    /// waits for one pipeline's claim, the other's fire time comes (jitter spreads them). Both
    /// keep running on their schedules; before, the second was left counted as running and
    /// never scheduled again.
    @Test(.timeLimit(.minutes(2))) func aFireTimeThatComesWhileTheStoreIsSlowIsStarted() async throws {
        let store = SlowClaims(try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db"),
                               delay: .milliseconds(400))
        let daemon = try Self.daemon(try Self.definitions(["a", "b", "c"], schedule: "@every 1s", jitter: "900ms"), store: store)
        // Until each has run 3 times (about 8 s): a loaded machine takes longer, and a pipeline
        // left counted as running never gets there.
        func enough(_ started: [String: Int]) -> Bool { ["a", "b", "c"].allSatisfy { (started[$0] ?? 0) >= 3 } }
        let started = await Self.drive(daemon, seconds: 40, until: enough)
        #expect(enough(started), "\(started)")
    }

    /// A fire time whose claim fails (the store locked) is served all the same and recorded when
    /// its run ends: unrecorded, a restart took it for missed.
    @Test(.timeLimit(.minutes(1))) func aFireTheStoreCouldNotRecordIsRecordedWhenItsRunEnds() async throws {
        let store = SlowClaims(try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db"),
                               delay: .zero, failing: 1)
        let daemon = try Self.daemon(try Self.definitions(["a"], schedule: "@every 1s"), store: store)
        let started = await Self.drive(daemon, seconds: 20) { ($0["a"] ?? 0) >= 1 }
        #expect((started["a"] ?? 0) >= 1)
        #expect(try await store.lastScheduledFire(pipeline: "a") != nil)
    }

    /// A scheduled run that died with its process (kill -9) claimed its fire time and never
    /// served it: with `missed_runs: run_once` the daemon started again makes it up at once,
    /// not a day later. A run that finished served its fire time.
    @Test func aFireWhoseRunWasInterruptedIsMadeUp() async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        var parts = calendar.dateComponents([.year, .month, .day], from: Date())
        parts.hour = 2
        var fire = calendar.date(from: parts)!
        if fire > Date() { fire = calendar.date(byAdding: .day, value: -1, to: fire)! }
        for interrupted in [true, false] {
            let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
            try await store.recordScheduledFire(pipeline: "a", at: fire)
            var run = try await store.startRun(pipeline: "a", trigger: "schedule")
            if interrupted {
                _ = try await store.markInterruptedRuns(pipeline: "a", reason: "its process is gone")
            } else {
                run.status = .succeeded
                run.finishedAt = Timestamp.now()
                try await store.finishRun(run)
            }
            let daemon = try Self.daemon(try Self.definitions(["a"], schedule: "0 2 * * *", missedRuns: "run_once"), store: store)
            let starts = await daemon.bootstrap()
            #expect(starts.map(\.definition.name) == (interrupted ? ["a"] : []), "interrupted: \(interrupted)")
        }
    }

    /// A run started by hand or through the API is held to `scheduling.timeout` as a scheduled
    /// one is: a pipeline without a schedule ran for as long as its quiet source hung.
    @Test(.timeLimit(.minutes(1))) func aRunStartedByHandIsTimedToo() async throws {
        var building = ConnectorRegistry()
        try building.register(source: ScriptedSource.self)
        let sink = RecordingSink()
        try building.register(sinkSpec: ComponentSpec(name: "kept", kind: .sink, summary: "Test sink.", fields: [])) { _, _ in sink }
        let registry = building
        let loader = PipelineLoader(registry: registry, resolver: ReferenceResolver(environment: [:]), projectDirectory: NSTemporaryDirectory())
        let node = try YAMLDocument.parse("""
            version: 1
            name: quiet
            scheduling: { timeout: 1s }
            source: { scripted: { records: 10, batch: 3, hang_after: 3 } }
            sinks: [{ kept: {} }]
            """, file: "quiet.yaml")
        guard case .pipeline(let definition) = loader.validate(node, file: "quiet.yaml", directory: NSTemporaryDirectory()) else {
            throw RunError("quiet did not load")
        }
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
        let gateway = try GatewayConfig.load(path: nil, projectDirectory: NSTemporaryDirectory())
        let logger = Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }
        let daemon = Daemon(pipelines: [definition], store: store, defaultZone: TimeZone(identifier: "Asia/Shanghai")!,
                            logger: logger, loadPipelines: { .success([definition]) },
                            makeRunner: { PipelineRunner(definition: $0, registry: registry, store: store, gateway: gateway, logger: logger) })
        await daemon.execute(Daemon.RunRequest(definition: definition, trigger: "api"))
        let run = try #require(try await store.runs(pipeline: "quiet", status: nil, limit: 1).first)
        #expect(run.status == .cancelled)
        #expect(run.error == "timed out after 1s (scheduling.timeout)")
        #expect(run.recordsWritten == 3)
    }

    /// The log lines that say a failed run will be tried again, or not, name the run that
    /// failed, so an operator finds its error from them.
    @Test(.timeLimit(.minutes(2))) func aRetryLogNamesTheRunThatFailed() async throws {
        let pipelines = try Self.definitions(["flaky"], schedule: "@every 1s", retry: "{ attempts: 2, initial_delay: 1s }")
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
        let logs = CapturedLogs()
        let daemon = try Self.daemon(pipelines, store: store, logger: logs.logger)
        var starts = await daemon.bootstrap()
        // Until the give-up is logged: a loaded machine may take a while to come to the retry.
        let end = Date().addingTimeInterval(90)
        var failed: [String] = []
        while !logs.all.contains(where: { $0.message.hasPrefix("run failed after") }), Date() < end {
            for request in starts {
                let id = "run-\(failed.count + 1)"
                request.tracker.started(id)
                failed.append(id)
                _ = await daemon.handle(.start(request))
                _ = await daemon.handle(.finished(pipeline: "flaky", schedulerRun: request.schedulerRun, success: false))
            }
            try await Task.sleep(for: .milliseconds(100))
            starts = await daemon.handle(.tick).starts
        }
        let retry = logs.all.first { $0.message.hasPrefix("run failed; attempt 2") }
        #expect(retry?.metadata["run"] == "run-1")
        let gaveUp = logs.all.first { $0.message.hasPrefix("run failed after 2 attempt(s)") }
        #expect(gaveUp?.metadata["run"] == "run-2")
    }

    /// Fire times missed while the daemon was down and skipped (`missed_runs: skip`) are settled:
    /// a restart before the next one reports none again (each restart reported the same ones).
    @Test func skippedMissedFiresAreNotReportedAgain() async throws {
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
        try await store.recordScheduledFire(pipeline: "a", at: Date().addingTimeInterval(-3 * 86_400))
        let definitions = try Self.definitions(["a"], schedule: "0 2 * * *")
        let first = try Self.daemon(definitions, store: store)
        _ = await first.bootstrap()
        let recorded = try #require(try await store.lastScheduledFire(pipeline: "a"))
        #expect(recorded > Date().addingTimeInterval(-86_400), "recorded \(recorded)")
        let again = try Self.daemon(definitions, store: store)
        _ = await again.bootstrap()
        #expect(try await store.lastScheduledFire(pipeline: "a") == recorded)
    }

    /// A fire time that comes while a manual or API run holds the pipeline is served after it
    /// when the pipeline queues (it was counted as served, and a long backfill through the API
    /// dropped the incremental run); with `overlap: skip` it is skipped.
    @Test func aQueueingFireWaitsForTheManualRun() async throws {
        for overlap in ["queue", "skip"] {
            let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
            let daemon = try Self.daemon(try Self.definitions(["a"], schedule: "@every 1s", overlap: overlap), store: store)
            _ = await daemon.bootstrap()
            #expect(await daemon.trigger("a") == .accepted)
            guard case .start(let request)? = await daemon.mailbox.next(until: .now + .seconds(1)) else {
                Issue.record("the accepted run was not posted")
                return
            }
            #expect(await daemon.handle(.start(request)).starts.map(\.trigger) == ["api"])
            try await Task.sleep(for: .milliseconds(1100))
            #expect(await daemon.handle(.tick).starts.isEmpty, "the manual run holds the pipeline")
            let after = await daemon.handle(.finished(pipeline: "a", schedulerRun: nil, success: true)).starts
            #expect(after.map(\.trigger) == (overlap == "queue" ? ["schedule"] : []), "overlap: \(overlap)")
        }
    }

    /// A queued fire whose pipeline is removed by a reload is dropped, and the pipeline, back
    /// on the next reload, runs on its schedule again (the scheduler was left counting the
    /// dropped fire as running, and every later fire was queued behind it for ever).
    @Test func aQueuedFireOfARemovedPipelineDoesNotHoldItUp() async throws {
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
        let definitions = try Self.definitions(["a"], schedule: "@every 1s", overlap: "queue")
        let daemon = try Self.daemon(definitions, store: store)
        _ = await daemon.bootstrap()
        #expect(await daemon.trigger("a") == .accepted)
        guard case .start(let request)? = await daemon.mailbox.next(until: .now + .seconds(1)) else {
            Issue.record("the accepted run was not posted")
            return
        }
        _ = await daemon.handle(.start(request))
        try await Task.sleep(for: .milliseconds(1100))
        #expect(await daemon.handle(.tick).starts.isEmpty, "queued behind the manual run")
        _ = await daemon.handle(.apply([]))
        // The manual run of the removed pipeline goes on, and the status says so.
        #expect(await daemon.status()["running"]?.arrayValue?.map { $0["pipeline"] } == ["a"])
        _ = await daemon.handle(.apply(definitions))
        #expect(await daemon.handle(.finished(pipeline: "a", schedulerRun: nil, success: true)).starts.isEmpty, "the queued fire was dropped")
        var started: [String] = []
        for _ in 0..<30 where started.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            started = await daemon.handle(.tick).starts.map(\.trigger)
        }
        #expect(started == ["schedule"])
    }

    /// A run the API accepted holds the pipeline from then on: a fire time handled before the
    /// daemon gets to the request is served by it, and the request is not dropped.
    @Test func anAcceptedRunStartsEvenIfAFireTimeComesFirst() async throws {
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-daemon-\(UUID().uuidString).db")
        let daemon = try Self.daemon(try Self.definitions(["a"], schedule: "@every 1s"), store: store)
        _ = await daemon.bootstrap()
        #expect(await daemon.trigger("a") == .accepted)
        #expect(await daemon.trigger("a") == .alreadyRunning)
        try await Task.sleep(for: .milliseconds(1100))
        let scheduled = await daemon.handle(.tick).starts
        #expect(scheduled.isEmpty, "the accepted run holds the pipeline")
        guard case .start(let request)? = await daemon.mailbox.next(until: .now + .seconds(1)) else {
            Issue.record("the accepted run was not posted")
            return
        }
        let starts = await daemon.handle(.start(request)).starts
        #expect(starts.map { $0.trigger } == ["api"])
    }
}

/// A store whose fire-time claims take `delay`, the first `failing` of them failing (the store locked).
final class SlowClaims: StateStore {
    let base: any StateStore
    let delay: Duration
    let failing: Mutex<Int>

    init(_ base: any StateStore, delay: Duration, failing: Int = 0) {
        self.base = base
        self.delay = delay
        self.failing = Mutex(failing)
    }

    func claimScheduledFire(pipeline: String, at: Date) async throws -> Bool {
        try await Task.sleep(for: delay)
        let fails = failing.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if fails { throw StoreError("database is locked") }
        return try await base.claimScheduledFire(pipeline: pipeline, at: at)
    }

    func startRun(pipeline: String, trigger: String) async throws -> RunRecord { try await base.startRun(pipeline: pipeline, trigger: trigger) }
    func finishRun(_ run: RunRecord) async throws { try await base.finishRun(run) }
    func markInterruptedRuns(pipeline: String?, reason: String) async throws -> Int {
        try await base.markInterruptedRuns(pipeline: pipeline, reason: reason)
    }
    func markInterrupted(runs ids: [String]) async throws -> Int { try await base.markInterrupted(runs: ids) }
    func pruneRuns(startedBefore cutoff: String) async throws -> Int { try await base.pruneRuns(startedBefore: cutoff) }
    func runs(pipeline: String?, status: RunStatus?, limit: Int) async throws -> [RunRecord] {
        try await base.runs(pipeline: pipeline, status: status, limit: limit)
    }
    func run(id: String) async throws -> RunRecord? { try await base.run(id: id) }
    func checkpoint(pipeline: String, stream: String) async throws -> StoredCheckpoint? {
        try await base.checkpoint(pipeline: pipeline, stream: stream)
    }
    func commit(_ checkpoint: StoredCheckpoint?, pipeline: String, stream: String, run: RunRecord, deadLetters: [DeadLetter],
                provenance: ProvenanceEntry?, replayed: [Int], superseded: [Int]) async throws {
        try await base.commit(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters, provenance: provenance,
                              replayed: replayed, superseded: superseded)
    }
    func pendingDeadLetterCounts() async throws -> [String: Int] { try await base.pendingDeadLetterCounts() }
    func pendingLetterKeys(pipeline: String) async throws -> [(id: Int, identity: String)] { try await base.pendingLetterKeys(pipeline: pipeline) }
    func provenance(pipeline: String, after sequence: Int, limit: Int) async throws -> [ProvenanceLink] {
        try await base.provenance(pipeline: pipeline, after: sequence, limit: limit)
    }
    func provenancePipelines() async throws -> [String] { try await base.provenancePipelines() }
    func resetCheckpoints(pipeline: String) async throws { try await base.resetCheckpoints(pipeline: pipeline) }
    func lastScheduledFire(pipeline: String) async throws -> Date? { try await base.lastScheduledFire(pipeline: pipeline) }
    func recordScheduledFire(pipeline: String, at: Date, replacing claimed: Date?) async throws {
        try await base.recordScheduledFire(pipeline: pipeline, at: at, replacing: claimed)
    }
    func sizeInBytes() async throws -> Int { try await base.sizeInBytes() }
    func addDeadLetters(_ letters: [DeadLetter]) async throws -> [DeadLetter] { try await base.addDeadLetters(letters) }
    func deadLetters(pipeline: String?, status: String?, limit: Int, payloads: Bool) async throws -> [DeadLetter] {
        try await base.deadLetters(pipeline: pipeline, status: status, limit: limit, payloads: payloads)
    }
    func deadLetter(id: Int) async throws -> DeadLetter? { try await base.deadLetter(id: id) }
    func markReplayed(ids: [Int], runID: String) async throws { try await base.markReplayed(ids: ids, runID: runID) }
    func refreshDeadLetters(_ letters: [DeadLetter]) async throws { try await base.refreshDeadLetters(letters) }
    func discardDeadLetters(ids: [Int]) async throws -> [Int] { try await base.discardDeadLetters(ids: ids) }
    func reopenDeadLetters(ids: [Int]) async throws -> [Int] { try await base.reopenDeadLetters(ids: ids) }
    func commitAbort(_ checkpoint: StoredCheckpoint, pipeline: String, stream: String, run: RunRecord, deadLetters: [DeadLetter],
                     provenance: ProvenanceEntry?) async throws {
        try await base.commitAbort(checkpoint, pipeline: pipeline, stream: stream, run: run, deadLetters: deadLetters, provenance: provenance)
    }
}
