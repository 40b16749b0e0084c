public import Foundation
import CoreMetrics
import Synchronization
public import HuiliuCore
public import HuiliuEngine
public import HuiliuKit
import HuiliuSchedule
public import HuiliuStore
public import Logging

/// The daemon's state: the pipelines it knows, their schedule, and the runs in progress.
///
/// The scheduler service drives it (``handle(_:)``), the admin API asks it questions and
/// makes requests (trigger, cancel, reload), and every change goes through the actor.
public actor Daemon {
    /// What can happen to the daemon.
    enum Event: Sendable {
        case tick
        case start(RunRequest)
        case finished(pipeline: String, schedulerRun: Scheduler.RunID?, success: Bool)
        case apply([PipelineDefinition])
        case shutdown
    }

    /// A run to start.
    struct RunRequest: Sendable {
        var definition: PipelineDefinition
        var trigger: String
        var schedulerRun: Scheduler.RunID?
        /// The fire time a scheduled run serves.
        var scheduledAt: Date?
        /// A cursor range to read again, for runs asked for with one.
        var backfill: BackfillRange?
        /// The trace the asker was in (a `traceparent` header), which the run continues.
        var trace: TraceContext?
        var control = RunControl()
        var tracker = RunTracker()
    }

    /// A run in progress.
    struct ActiveRun: Sendable {
        var trigger: String
        var startedAt: Date
        var schedulerRun: Scheduler.RunID?
        var control: RunControl
        var tracker: RunTracker

        /// `request`'s run, from now.
        init(_ request: RunRequest) {
            trigger = request.trigger
            startedAt = Date()
            schedulerRun = request.schedulerRun
            control = request.control
            tracker = request.tracker
        }
    }

    /// Builds a runner for a pipeline.
    public typealias RunnerFactory = @Sendable (PipelineDefinition) -> PipelineRunner
    /// Loads and validates every pipeline file: the definitions, or every problem found.
    public typealias PipelineSource = @Sendable () -> Result<[PipelineDefinition], ConfigErrors>

    let mailbox = Mailbox<Event>()
    /// Where reloads read and lint the pipeline files, in turn.
    private let reloads = BlockingQueue(label: "huiliu.reload")
    let store: any StateStore
    let makeRunner: RunnerFactory
    let loadPipelines: PipelineSource
    let defaultZone: TimeZone
    let logger: Logger
    var definitions: [String: PipelineDefinition] = [:]
    var scheduler = Scheduler(seed: UInt64.random(in: 0...UInt64.max))
    var active: [String: ActiveRun] = [:]
    /// Scheduled runs of `overlap: queue` pipelines waiting for a manual or API run to end.
    var waiting: [String: RunRequest] = [:]
    /// Fire times served while the store could not record them, recorded when their runs end.
    var unrecordedFires: [String: Date] = [:]
    var shuttingDown = false
    var lastReload = Date()

    /// A daemon over an initial set of pipelines.
    public init(pipelines: [PipelineDefinition], store: any StateStore, defaultZone: TimeZone, logger: Logger,
                loadPipelines: @escaping PipelineSource, makeRunner: @escaping RunnerFactory) {
        for definition in pipelines { definitions[definition.name] = definition }
        self.store = store
        self.defaultZone = defaultZone
        self.logger = logger
        self.loadPipelines = loadPipelines
        self.makeRunner = makeRunner
    }

    // MARK: Driving

    /// Puts every scheduled pipeline into the scheduler, with the last fire time recorded
    /// before a restart so the missed-run policy can apply.
    func bootstrap() async -> [RunRequest] {
        var starts: [RunRequest] = []
        for definition in definitions.values.sorted(by: { $0.name < $1.name }) {
            starts += await schedule(definition, starting: true)
        }
        return starts
    }

    /// Records the claimed fire time `fire` of `name` as not served — the last fire becomes the
    /// one before it, unless another gateway claimed a later one meanwhile — so that
    /// `missed_runs: run_once` makes it up. Returns the fire time now recorded.
    @discardableResult
    nonisolated func putBack(_ fire: Date, of name: String, schedule: Schedule) async -> Date {
        let before = schedule.recordedBefore(fire)
        try? await store.recordScheduledFire(pipeline: name, at: before, replacing: fire)
        return before
    }

    /// Puts `definition` into the scheduler; `starting`, when the daemon starts (not a reload).
    private func schedule(_ definition: PipelineDefinition, starting: Bool = false) async -> [RunRequest] {
        guard definition.enabled, let schedule = definition.parsedSchedule(defaultZone: defaultZone) else { return [] }
        var lastFire = try? await store.lastScheduledFire(pipeline: definition.name)
        let policy = definition.scheduling
        // At start only: on a reload the interrupted run may still be the latest (its catch-up
        // waiting out its jitter), and each reload would put the fire back another period.
        if starting, policy.missedRuns == "run_once", let fire = lastFire ?? nil,
           let latest = try? await store.runs(pipeline: definition.name, status: nil, limit: 1).first,
           latest.status == .interrupted, latest.trigger == "schedule" || latest.trigger == "retry",
           let started = Timestamp.parse(latest.startedAt), started >= fire {
            // The run of the last fire died with its process (kill -9, out of memory, power): the
            // fire was claimed when it started and never served. Put back, like a run stopped by
            // a shutdown, it is made up now rather than a whole period later.
            lastFire = await putBack(fire, of: definition.name, schedule: schedule)
            logger.notice("the last scheduled run was interrupted; its fire time counts as missed",
                          metadata: ["pipeline": "\(definition.name)", "run": "\(latest.id)"])
        }
        let config = ScheduledPipeline(
            schedule: schedule, jitter: policy.jitter, overlap: policy.overlap == "queue" ? .queue : .skip,
            missedRuns: policy.missedRuns == "run_once" ? .runOnce : .skip,
            retry: RetryPolicy(maxAttempts: policy.retryAttempts, initialDelay: policy.retryInitialDelay,
                               multiplier: policy.retryMultiplier, maxDelay: policy.retryMaxDelay),
            timeout: policy.timeout)
        return await perform(scheduler.handle(.added(definition.name, config, lastFire: lastFire ?? nil), at: Date()))
    }

    /// Handles one event; returns the runs to start, when to wake up next, and whether to stop.
    func handle(_ event: Event) async -> (starts: [RunRequest], wake: Date?, stop: Bool) {
        var starts: [RunRequest] = []
        switch event {
        case .tick:
            starts = await perform(scheduler.handle(.tick, at: Date()))
        case .start(let request):
            let name = request.definition.name
            // ``trigger(_:by:backfill:trace:)`` took the pipeline for the run when it accepted it.
            let taken = active[name]?.tracker === request.tracker
            if !shuttingDown && (taken || active[name] == nil) {
                active[name] = ActiveRun(request)
                starts = [request]
            } else if taken {
                active[name] = nil
            }
        case .finished(let pipeline, let schedulerRun, let success):
            let finishedRun = active.removeValue(forKey: pipeline)?.tracker.runID
            if let fire = unrecordedFires.removeValue(forKey: pipeline) {
                do {
                    _ = try await store.claimScheduledFire(pipeline: pipeline, at: fire)
                } catch {
                    logger.warning("cannot record the fire time its run served", metadata: ["pipeline": "\(pipeline)", "error": "\(error)"])
                }
            }
            if let schedulerRun {
                starts = await perform(scheduler.handle(.runFinished(pipeline, schedulerRun, success ? .success : .failure), at: Date()),
                                       finishedRun: finishedRun)
            }
            if active[pipeline] == nil, var queued = waiting.removeValue(forKey: pipeline), !shuttingDown, let definition = definitions[pipeline] {
                queued.definition = definition
                active[pipeline] = ActiveRun(queued)
                starts.append(queued)
                if let run = queued.schedulerRun { starts += await perform(scheduler.handle(.runStarted(pipeline, run), at: Date())) }
            }
        case .apply(let pipelines):
            starts = await apply(pipelines)
        case .shutdown:
            shuttingDown = true
            // Queued fires were claimed and never served: put back, run_once makes them up after the restart.
            for (name, queued) in waiting {
                if let scheduledAt = queued.scheduledAt, let schedule = queued.definition.parsedSchedule(defaultZone: defaultZone) {
                    await putBack(scheduledAt, of: name, schedule: schedule)
                }
            }
            waiting.removeAll()
            for run in active.values { run.control.requestStop(reason: Self.shutdownReason) }
            logger.notice("shutting down: stopping \(active.count) run(s) at their next batch boundary")
            return ([], nil, true)
        }
        if shuttingDown { return ([], nil, true) }
        return (starts, scheduler.nextWakeUp, false)
    }

    /// Carries out the scheduler's actions that need the daemon; returns runs to start.
    /// `finishedRun` is the id of the run whose end the actions answer: a retry's log names it.
    private func perform(_ actions: [Scheduler.Action], finishedRun: String? = nil) async -> [RunRequest] {
        var starts: [RunRequest] = []
        for action in actions {
            switch action {
            case .start(let name, let run, let scheduledAt, let attempt):
                guard let definition = definitions[name], !shuttingDown else { continue }
                if attempt > 1 {
                    // Its fire time, claimed by the first attempt; a later one another gateway
                    // claimed meanwhile stays (written back, it would be served twice).
                    _ = try? await store.claimScheduledFire(pipeline: name, at: scheduledAt)
                } else {
                    let claimed: Bool
                    do {
                        claimed = try await store.claimScheduledFire(pipeline: name, at: scheduledAt)
                    } catch {
                        // The store is locked or failing: the fire time is served all the same and
                        // recorded when its run ends. Unrecorded, a restart took it for missed.
                        logger.warning("cannot record the fire time now; the run starts and it is recorded when it ends",
                                       metadata: ["pipeline": "\(name)", "error": "\(error)"])
                        unrecordedFires[name] = scheduledAt
                        claimed = true
                    }
                    if !claimed {
                        // Another gateway sharing the store serves this fire time.
                        logger.info("scheduled run skipped: another gateway serves this fire time", metadata: ["pipeline": "\(name)"])
                        starts += await perform(scheduler.handle(.runFinished(name, run, .success), at: Date()))
                        continue
                    }
                }
                if let going = active[name], going.schedulerRun == nil, definition.scheduling.overlap == "queue", waiting[name] == nil {
                    // A manual or API run holds the pipeline: a queueing pipeline's fire time is
                    // served after it, as after a scheduled run (the scheduler counts it running).
                    logger.info("scheduled run queued behind the run going", metadata: ["pipeline": "\(name)"])
                    waiting[name] = RunRequest(definition: definition, trigger: attempt > 1 ? "retry" : "schedule", schedulerRun: run,
                                               scheduledAt: scheduledAt)
                    continue
                }
                if active[name] != nil {
                    // A manual run holds the pipeline: this fire time counts as served.
                    logger.info("scheduled run skipped: a run is already going", metadata: ["pipeline": "\(name)"])
                    starts += await perform(scheduler.handle(.runFinished(name, run, .success), at: Date()))
                    continue
                }
                let request = RunRequest(definition: definition, trigger: attempt > 1 ? "retry" : "schedule", schedulerRun: run,
                                         scheduledAt: scheduledAt)
                active[name] = ActiveRun(request)
                // What the scheduler answers is carried out too: another pipeline's fire time may
                // have come while this one waited for the store, and dropping its start would
                // leave it counted as running, and never scheduled again.
                starts.append(request)
                starts += await perform(scheduler.handle(.runStarted(name, run), at: Date()))
            case .cancel(let name, let run, let reason):
                if let queued = waiting[name], queued.schedulerRun == run {
                    // Timed out (or its pipeline removed) still waiting for the manual run: it
                    // never ran, so it is a skip, not a failure to retry; the manual run is not touched.
                    waiting[name] = nil
                    logger.warning("queued scheduled run dropped: \(reason.rawValue) while waiting", metadata: ["pipeline": "\(name)"])
                    starts += await perform(scheduler.handle(.runFinished(name, run, .success), at: Date()))
                    continue
                }
                guard active[name]?.schedulerRun == run else { continue }
                var about: Logger.Metadata = ["pipeline": "\(name)"]
                if let id = active[name]?.tracker.runID { about["run"] = .string(id) }
                logger.warning("cancelling run: \(reason.rawValue)", metadata: about)
                let timeout = definitions[name]?.scheduling.timeout.map { " after " + $0.configText } ?? ""
                active[name]?.control.requestStop(reason: reason == .timedOut ? "timed out\(timeout) (scheduling.timeout)" : reason.rawValue)
            case .skip(let name, let scheduledAt, let reason):
                logger.info("fire time skipped (\(reason.rawValue))", metadata: ["pipeline": "\(name)", "scheduled": .string(Timestamp.format(scheduledAt))])
                // Missed fire times skipped are settled: recorded as just before the next one,
                // or every restart until it reported the same ones missed again.
                if reason == .missed, let next = scheduler.status(of: name)?.nextFire,
                   let schedule = definitions[name]?.parsedSchedule(defaultZone: defaultZone) {
                    try? await store.recordScheduledFire(pipeline: name, at: schedule.recordedBefore(next))
                }
            case .retry(let name, _, let attempt, let at):
                var about: Logger.Metadata = ["pipeline": "\(name)"]
                if let finishedRun { about["run"] = .string(finishedRun) }
                logger.warning("run failed; attempt \(attempt) at \(Timestamp.format(at))", metadata: about)
            case .giveUp(let name, _, let attempts):
                var about: Logger.Metadata = ["pipeline": "\(name)"]
                if let finishedRun { about["run"] = .string(finishedRun) }
                logger.error("run failed after \(attempts) attempt(s)", metadata: about)
            case .sleep:
                break
            }
        }
        return starts
    }

    private func apply(_ pipelines: [PipelineDefinition]) async -> [RunRequest] {
        let incoming = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var starts: [RunRequest] = []
        for name in definitions.keys where incoming[name] == nil {
            starts += await perform(scheduler.handle(.removed(name), at: Date()))
        }
        definitions = incoming
        for definition in pipelines.sorted(by: { $0.name < $1.name }) where definition.enabled {
            // A pipeline reading a listener's buffer holds its records from now on, not only
            // from its first run; a buffer not made yet is registered with at that run.
            do {
                try makeRunner(definition).registerAsBufferReader()
            } catch {
                logger.warning("cannot register as a reader of its buffer", metadata: ["pipeline": "\(definition.name)", "error": "\(error)"])
            }
        }
        for definition in pipelines.sorted(by: { $0.name < $1.name }) {
            if definition.enabled && definition.schedule != nil {
                starts += await schedule(definition)
            } else {
                starts += await perform(scheduler.handle(.unscheduled(definition.name), at: Date()))
            }
        }
        lastReload = Date()
        logger.notice("pipelines reloaded", metadata: ["count": "\(pipelines.count)"])
        return starts
    }

    /// Runs one pipeline and reports its end; called by the scheduler service in a child task.
    nonisolated func execute(_ request: RunRequest) async {
        var runner = makeRunner(request.definition)
        runner.backfill = request.backfill
        let name = request.definition.name
        var success = false
        // The scheduler times the runs it starts; one started by hand or through the API (a
        // pipeline may have no schedule at all) is timed here, or a hung one ran for ever.
        // Not a backfill: it cannot resume, so cut short at the incremental run's timeout it
        // would never finish.
        let watchdog = request.schedulerRun == nil && request.backfill == nil ? request.definition.scheduling.timeout.map { timeout in
            Task { [control = request.control] in
                try await Task.sleep(for: timeout)
                control.requestStop(reason: "timed out after \(timeout.configText) (scheduling.timeout)")
            }
        } : nil
        defer { watchdog?.cancel() }
        do {
            let tracker = request.tracker
            let run = try await TraceContext.$current.withValue(request.trace) {
                try await runner.run(trigger: request.trigger, control: request.control) { progress in
                    tracker.update(progress)
                } started: { run in
                    tracker.started(run.id)
                }
            }
            success = run.status == .succeeded
            if run.status == .cancelled, request.control.stopReason == Self.shutdownReason, let scheduledAt = request.scheduledAt,
               let schedule = request.definition.parsedSchedule(defaultZone: defaultZone) {
                // Its fire time was claimed when it started; cut short, it has not served it. Put
                // back, the missed-run policy (`run_once`) runs it again after the restart,
                // rather than a whole period later.
                await putBack(scheduledAt, of: name, schedule: schedule)
            }
        } catch is PipelineBusy {
            // Another gateway sharing the store (or a manual run) has it: that run serves this
            // fire time, so it is neither a failure nor retried.
            logger.info("run not started: the pipeline is running elsewhere", metadata: ["pipeline": "\(name)"])
            success = true
        } catch let error as RunNotRecorded {
            // Its record says running (then interrupted, once the lock is seen free) until the
            // store takes the end: tried again every 30 seconds, the record is right once space
            // is freed or the database is back.
            logger.error("run ended but could not be recorded: \(error); tried again every 30 s",
                         metadata: ["pipeline": "\(name)", "run": "\(error.run.id)"])
            // It ran: a success is not retried (its records would be delivered again).
            success = error.run.status == .succeeded
            let store = self.store, logger = self.logger
            Task {
                while await !self.shuttingDown {
                    try? await Task.sleep(for: .seconds(30))
                    if (try? await store.finishRun(error.run)) != nil {
                        logger.notice("run end recorded", metadata: ["pipeline": "\(name)", "run": "\(error.run.id)"])
                        return
                    }
                }
            }
        } catch {
            // Before the run had an id it could not start; after, its store failed mid-run.
            if let runID = request.tracker.runID {
                logger.error("run ended but could not be recorded: \(error)", metadata: ["pipeline": "\(name)", "run": "\(runID)"])
            } else {
                logger.error("run could not start: \(error)", metadata: ["pipeline": "\(name)"])
                // Nothing else records it: no run exists, and the pipeline's last run is an older one.
                Counter(label: "huiliu_runs_total", dimensions: [("pipeline", name), ("status", "not_started")]).increment()
            }
        }
        mailbox.post(.finished(pipeline: name, schedulerRun: request.schedulerRun, success: success))
    }

    // MARK: Requests from the admin API and signals

    /// What a trigger request came to.
    public enum TriggerResult: Sendable, Equatable {
        case accepted
        case unknownPipeline
        case alreadyRunning
        case shuttingDown
        /// The pipeline's source cannot backfill (the reason).
        case cannotBackfill(String)
    }

    /// Why runs stopped by the daemon's shutdown say they were.
    static let shutdownReason = "stopped by the daemon's shutdown"

    /// Starts a run of `pipeline` now, of `backfill` only when given.
    public func trigger(_ pipeline: String, by trigger: String = "api", backfill: BackfillRange? = nil,
                        trace: TraceContext? = nil) -> TriggerResult {
        guard !shuttingDown else { return .shuttingDown }
        guard let definition = definitions[pipeline] else { return .unknownPipeline }
        // A backfill the source can never do is refused as such, whether or not a run is going on.
        if backfill != nil {
            do {
                // With the range set, so the source also checks the bounds against its cursor.
                var runner = makeRunner(definition)
                runner.backfill = backfill
                try runner.checkBackfill()
            } catch {
                return .cannotBackfill("\(error)")
            }
        }
        guard active[pipeline] == nil else { return .alreadyRunning }
        let request = RunRequest(definition: definition, trigger: trigger, schedulerRun: nil, backfill: backfill, trace: trace)
        // Taken now, not when the mailbox gets to the request: a fire time handled meanwhile
        // would take the pipeline, and the run already accepted would never start.
        active[pipeline] = ActiveRun(request)
        mailbox.post(.start(request))
        return .accepted
    }

    /// Asks a run in progress (by its run id) to stop at its next batch boundary.
    public func cancel(runID: String) -> Bool {
        guard let run = active.values.first(where: { $0.tracker.runID == runID }) else { return false }
        run.control.requestStop()
        return true
    }

    /// Re-reads the pipeline files; applies them only if every one is valid. The files are read
    /// and linted off the daemon (which the admin API's every answer needs) and off Swift's
    /// cooperative threads: a reload takes seconds.
    public nonisolated func reload() async -> Result<Int, ConfigErrors> {
        let load = loadPipelines, mailbox = mailbox
        let loaded: Result<[PipelineDefinition], ConfigErrors>
        do {
            // One at a time, each applied before the next reads: an older read never lands last.
            loaded = try await reloads.run {
                let loaded = load()
                if case .success(let pipelines) = loaded { mailbox.post(.apply(pipelines)) }
                return loaded
            }
        } catch {
            loaded = .failure(ConfigErrors([ConfigError(.invalidValue, at: SourceLocation(file: "pipelines", line: 1, column: 1), "\(error)")]))
        }
        switch loaded {
        case .success(let pipelines):
            return .success(pipelines.count)
        case .failure(let problems):
            logger.error("reload refused: \(problems.errors.count) problem(s); the running set is kept",
                         metadata: ["problems": "\(problems)"])
            return .failure(problems)
        }
    }

    /// Stops starting runs and asks running ones to finish at a batch boundary.
    public nonisolated func beginShutdown() {
        mailbox.post(.shutdown)
    }

    // MARK: Status

    /// One pipeline as the admin API shows it.
    public func pipelineStatus(_ name: String) -> Value? {
        guard let definition = definitions[name] else { return nil }
        var object: Object = [
            "name": .string(name), "description": .string(definition.description), "enabled": .bool(definition.enabled),
            "schedule": definition.schedule.map { .string($0) } ?? .null,
            "timezone": .string(definition.timezone ?? defaultZone.identifier), "file": .string(definition.file),
            "file_sha256": definition.fileDigest.map(Value.string) ?? .null,
        ]
        let status = scheduler.status(of: name)
        object["next_run"] = status?.nextStart.map { .string(Timestamp.format($0)) } ?? .null
        object["running"] = active[name].map(Self.running) ?? .null
        if let retry = status?.retryAt { object["retry_at"] = .string(Timestamp.format(retry)) }
        return .object(object)
    }

    /// A run in progress as the status shows it.
    static func running(_ run: ActiveRun) -> Value {
        let progress = run.tracker.progress
        return [
            "run": run.tracker.runID.map { .string($0) } ?? .null, "trigger": .string(run.trigger),
            "started_at": .string(Timestamp.format(run.startedAt)), "read": .integer(progress.read),
            "written": .integer(progress.written), "failed": .integer(progress.failed),
        ]
    }

    /// Whether the pipeline of that name keeps a provenance chain now.
    public func keepsChain(_ name: String) -> Bool {
        definitions[name]?.provenance ?? false
    }

    /// Every pipeline, sorted by name.
    public func pipelineNames() -> [String] {
        definitions.keys.sorted()
    }

    /// What the daemon is doing: runs in progress and when each pipeline runs next.
    public func status() -> Value {
        var runs: [Value] = []
        // From the runs themselves: one whose pipeline a reload removed still runs to its end.
        for (name, run) in active.sorted(by: { $0.key < $1.key }) {
            runs.append(Value.object(["pipeline": .string(name)]).merging(Self.running(run)))
        }
        return ["pipelines": .integer(definitions.count), "running": .array(runs), "shutting_down": .bool(shuttingDown),
                "last_reload": .string(Timestamp.format(lastReload))]
    }
}

extension Value {
    /// An object with the members of `other` added (objects only).
    func merging(_ other: Value) -> Value {
        guard case .object(var object) = self, case .object(let more) = other else { return self }
        for (key, value) in more { object[key] = value }
        return .object(object)
    }
}

/// A run's id and counters, updated by the run as it goes and read by the admin API.
final class RunTracker: Sendable {
    private let state = Mutex<(runID: String?, progress: RunProgress)>((nil, RunProgress()))

    var runID: String? { state.withLock { $0.runID } }
    var progress: RunProgress { state.withLock { $0.progress } }

    func started(_ id: String) { state.withLock { $0.runID = id } }
    func update(_ progress: RunProgress) { state.withLock { $0.progress = progress } }
}
