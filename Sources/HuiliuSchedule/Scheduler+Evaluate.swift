import Foundation

extension Scheduler {
    /// Does everything due at `now`, pipeline by pipeline in name order: timeouts first, then
    /// a due retry, then a queued run, then a due fire time.
    mutating func evaluate(_ now: Date, into actions: inout [Action]) {
        for name in pipelines.keys.sorted() {
            guard var state = pipelines[name] else { continue }
            if var active = state.active, let deadline = active.deadline(state.config.timeout), deadline <= now {
                actions.append(.cancel(name, run: active.id, reason: .timedOut))
                active.cancelling = .timedOut
                state.active = active
            }
            if state.active == nil, let retry = state.retry, retry.at <= now {
                state.retry = nil
                start(name, &state, scheduledAt: retry.scheduledAt, attempt: retry.attempt, now: now, into: &actions)
            }
            if !state.isBusy, let queued = state.queued {
                state.queued = nil
                start(name, &state, scheduledAt: queued, attempt: 1, now: now, into: &actions)
            }
            if let fire = state.nextFire, let due = state.nextStart, due <= now {
                fireDue(name, &state, fire: fire, now: now, into: &actions)
            }
            pipelines[name] = state
        }
    }

    /// Handles the fire time `fire`, which is due; if later ones are due too (a late wake-up),
    /// only the latest counts and the rest are reported missed.
    private mutating func fireDue(
        _ name: String, _ state: inout PipelineState, fire: Date, now: Date, into actions: inout [Action]
    ) {
        let schedule = state.config.schedule
        var latest = fire
        if !schedule.runsAtStartup, let later = schedule.latestFire(after: fire, through: now, anchor: state.anchor) {
            actions.append(.skip(name, scheduledAt: fire, reason: .missed))
            latest = later
        }
        if !state.isBusy {
            start(name, &state, scheduledAt: latest, attempt: 1, now: now, into: &actions)
        } else if state.config.overlap == .queue, state.queued == nil {
            state.queued = latest
        } else {
            actions.append(.skip(name, scheduledAt: latest, reason: state.config.overlap == .queue ? .queueFull : .overlap))
        }
        state.nextFire = schedule.runsAtStartup ? nil : schedule.next(after: latest, anchor: state.anchor)
        state.delay = state.nextFire == nil ? 0 : drawDelay(state.config.jitter)
    }

    private mutating func start(
        _ name: String, _ state: inout PipelineState, scheduledAt: Date, attempt: Int, now: Date,
        into actions: inout [Action]
    ) {
        let id = RunID(nextRun)
        nextRun += 1
        state.active = ActiveRun(id: id, scheduledAt: scheduledAt, attempt: attempt, requestedAt: now)
        actions.append(.start(name, run: id, scheduledAt: scheduledAt, attempt: attempt))
    }
}
