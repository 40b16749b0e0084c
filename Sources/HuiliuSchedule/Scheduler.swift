public import Foundation

/// Decides when each pipeline runs; a pure state machine with no clock inside.
///
/// The driver feeds it events with the current time and carries out the actions it returns:
/// ```swift
/// var scheduler = Scheduler(seed: 42)
/// var actions = scheduler.handle(.added("budget", nightly, lastFire: stored), at: clock.now)
/// // start / cancel runs as told, then sleep until the `.sleep` time or the next event:
/// actions = scheduler.handle(.tick, at: clock.now)
/// actions = scheduler.handle(.runFinished("budget", run, .failure), at: clock.now)
/// ```
/// Per pipeline it keeps at most one run going, applies jitter, the overlap, missed-run and
/// retry policies, and cancels attempts that outlive their timeout. Actions come in pipeline
/// name order, so a run replays exactly.
public struct Scheduler: Sendable {
    var pipelines: [String: PipelineState] = [:]
    var nextRun: UInt64 = 1
    var random: SplitMix64
    /// False until the first `tick`: `@reboot` pipelines added before it run once.
    var startupDone = false

    /// An empty scheduler whose jitter draws are fixed by `seed`.
    public init(seed: UInt64 = 0) {
        random = SplitMix64(seed: seed)
    }

    /// Applies `event` at time `now` and returns what to do, ending with `.sleep`.
    public mutating func handle(_ event: Event, at now: Date) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .tick:
            break
        case .added(let name, let config, let lastFire):
            add(name, config, lastFire: lastFire, now: now, into: &actions)
        case .removed(let name):
            remove(name, cancelling: true, into: &actions)
        case .unscheduled(let name):
            remove(name, cancelling: false, into: &actions)
        case .runStarted(let name, let run):
            if pipelines[name]?.active?.id == run, pipelines[name]?.active?.startedAt == nil {
                pipelines[name]?.active?.startedAt = now
            }
        case .runFinished(let name, let run, let outcome):
            finish(name, run, outcome, now: now, into: &actions)
        }
        evaluate(now, into: &actions)
        if case .tick = event { startupDone = true }
        actions.append(.sleep(until: nextWakeUp))
        return actions
    }

    /// The earliest time something is due: a start, a retry or a timeout.
    public var nextWakeUp: Date? {
        pipelines.values.compactMap { state -> Date? in
            if let active = state.active {
                return [active.deadline(state.config.timeout), state.nextStart].compactMap { $0 }.min()
            }
            return [state.retry?.at, state.nextStart].compactMap { $0 }.min()
        }.min()
    }

    /// The names of the pipelines being scheduled, sorted.
    public var pipelineNames: [String] {
        pipelines.filter { !$0.value.isRemoved }.keys.sorted()
    }

    /// What the scheduler knows about `pipeline`, or nil when it is not scheduled.
    public func status(of pipeline: String) -> PipelineStatus? {
        guard let state = pipelines[pipeline], !state.isRemoved else { return nil }
        return PipelineStatus(
            nextFire: state.nextFire, nextStart: state.nextStart, running: state.active?.id,
            attempt: state.active?.attempt, retryAt: state.retry?.at, queued: state.queued)
    }

    private mutating func add(
        _ name: String, _ config: ScheduledPipeline, lastFire: Date?, now: Date, into actions: inout [Action]
    ) {
        if var state = pipelines[name] {
            // A reload: keep the run, retry and queue; recompute timing only if it changed.
            // A pipeline re-added while its removed run drains has no fire time left to keep.
            let reschedule = state.isRemoved || state.config.schedule != config.schedule
            let redraw = reschedule || state.config.jitter != config.jitter
            state.config = config
            state.isRemoved = false
            if reschedule {
                state.anchor = lastFire ?? config.schedule.defaultAnchor
                state.nextFire = config.schedule.runsAtStartup ? nil : config.schedule.next(after: now, anchor: state.anchor)
            }
            if redraw {
                state.delay = state.nextFire == nil ? 0 : drawDelay(config.jitter)
            }
            pipelines[name] = state
            return
        }
        var state = PipelineState(config: config, anchor: lastFire ?? config.schedule.defaultAnchor)
        let schedule = config.schedule
        if schedule.runsAtStartup {
            if startupDone {
                actions.append(.skip(name, scheduledAt: now, reason: .notAtStartup))
            } else {
                state.nextFire = now
            }
        } else if let lastFire, let latest = schedule.latestFire(after: lastFire, through: now, anchor: lastFire) {
            switch config.missedRuns {
            case .runOnce:
                // The catch-up run starts now plus jitter, not at the long-past fire time plus
                // jitter, so a restart still spreads its catch-up runs.
                state.nextFire = latest
                state.delay = now.timeIntervalSince(latest) + drawDelay(config.jitter)
            case .skip:
                let first = schedule.next(after: lastFire, anchor: lastFire) ?? latest
                actions.append(.skip(name, scheduledAt: first, reason: .missed))
                state.nextFire = schedule.next(after: latest, anchor: state.anchor)
                state.delay = state.nextFire == nil ? 0 : drawDelay(config.jitter)
            }
        } else {
            // A last fire time ahead of `now` (a clock set back) ran already; wait past it.
            state.nextFire = schedule.next(after: lastFire.map { max($0, now) } ?? now, anchor: state.anchor)
            state.delay = state.nextFire == nil ? 0 : drawDelay(config.jitter)
        }
        pipelines[name] = state
    }

    /// Forgets `name`'s fire times, retries and queue; its run going is cancelled if `cancelling`
    /// (the pipeline is gone), else left to finish (a pipeline disabled or made manual-only: its
    /// run was cancelled as "pipeline removed", though the pipeline was there to run by hand).
    private mutating func remove(_ name: String, cancelling: Bool, into actions: inout [Action]) {
        guard var state = pipelines[name] else { return }
        // Unscheduled before, and now gone: its run, left to finish then, is cancelled now.
        guard !state.isRemoved || (cancelling && state.active?.cancelling == nil) else { return }
        guard var active = state.active else {
            pipelines[name] = nil
            return
        }
        if cancelling, active.cancelling == nil {
            actions.append(.cancel(name, run: active.id, reason: .removed))
            active.cancelling = .removed
        }
        state.active = active
        state.isRemoved = true
        state.nextFire = nil
        state.retry = nil
        state.queued = nil
        pipelines[name] = state
    }

    private mutating func finish(
        _ name: String, _ run: RunID, _ outcome: RunOutcome, now: Date, into actions: inout [Action]
    ) {
        guard var state = pipelines[name], let active = state.active, active.id == run else { return }
        state.active = nil
        if state.isRemoved {
            pipelines[name] = nil
            return
        }
        if outcome == .failure {
            let retry = state.config.retry
            if active.attempt < retry.maxAttempts {
                let at = now.addingTimeInterval(retry.delay(afterAttempt: active.attempt).seconds)
                state.retry = PendingRetry(scheduledAt: active.scheduledAt, attempt: active.attempt + 1, at: at)
                actions.append(.retry(name, scheduledAt: active.scheduledAt, attempt: active.attempt + 1, at: at))
            } else {
                actions.append(.giveUp(name, scheduledAt: active.scheduledAt, attempts: active.attempt))
            }
        }
        pipelines[name] = state
    }

    mutating func drawDelay(_ jitter: Duration) -> TimeInterval {
        // No draw without jitter, so adding jitter to one pipeline leaves the others' draws alone.
        jitter > .zero ? jitter.seconds * random.nextUnitInterval() : 0
    }
}
