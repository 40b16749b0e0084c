import Foundation
import HuiliuSchedule
import Testing

/// Reloads (pipelines added, changed and removed while the daemon runs) and `@reboot`.
struct SchedulerReloadTests {
    @Test func removingAnIdlePipelineForgetsIt() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        #expect(scheduler.handle(.removed("p"), at: T.at("09:02")) == [.sleep(until: nil)])
        #expect(scheduler.status(of: "p") == nil)
        #expect(scheduler.pipelineNames.isEmpty)
        #expect(scheduler.handle(.tick, at: T.at("09:05")).work.isEmpty)
    }

    @Test func removingARunningPipelineCancelsItsRun() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        _ = scheduler.handle(.tick, at: T.at("09:05"))
        #expect(scheduler.handle(.removed("p"), at: T.at("09:06")) == [
            .cancel("p", run: T.run(1), reason: .removed),
            .sleep(until: nil),
        ])
        #expect(scheduler.handle(.removed("p"), at: T.at("09:06")).work.isEmpty)
        #expect(scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("09:07")).work.isEmpty)
    }

    /// A pipeline disabled, or made manual-only, while its scheduled run goes: the run finishes
    /// (it was cancelled as "pipeline removed", though the pipeline was there to run by hand);
    /// no fire time comes after it, and its failure is not retried.
    @Test func unschedulingARunningPipelineLetsItsRunFinish() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        _ = scheduler.handle(.tick, at: T.at("09:05"))
        #expect(scheduler.handle(.unscheduled("p"), at: T.at("09:06")).work.isEmpty)
        #expect(scheduler.status(of: "p") == nil)
        #expect(scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("09:07")).work.isEmpty)
        #expect(scheduler.handle(.tick, at: T.at("09:10")).work.isEmpty)
        // Unscheduled, then removed while its run still goes: the run is cancelled then.
        _ = scheduler.handle(.added("q", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:11"))
        _ = scheduler.handle(.tick, at: T.at("09:15"))
        #expect(scheduler.handle(.unscheduled("q"), at: T.at("09:16")).work.isEmpty)
        #expect(scheduler.handle(.removed("q"), at: T.at("09:17")).work == [.cancel("q", run: T.run(2), reason: .removed)])
        #expect(scheduler.handle(.removed("q"), at: T.at("09:17")).work.isEmpty)
    }

    @Test func aPipelineReAddedWhileItsOldRunDrainsWaitsForIt() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        _ = scheduler.handle(.tick, at: T.at("09:05"))
        _ = scheduler.handle(.removed("p"), at: T.at("09:06"))
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: T.at("09:05")), at: T.at("09:07"))
        #expect(scheduler.handle(.tick, at: T.at("09:10")).work == [
            .skip("p", scheduledAt: T.at("09:10"), reason: .overlap),
        ])
        _ = scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("09:11"))
        #expect(scheduler.handle(.tick, at: T.at("09:15")).work == [
            .start("p", run: T.run(2), scheduledAt: T.at("09:15"), attempt: 1),
        ])
    }

    @Test func changingTheScheduleKeepsTheRunningRun() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        _ = scheduler.handle(.tick, at: T.at("09:05"))
        let actions = scheduler.handle(.added("p", T.pipeline("0 * * * *"), lastFire: T.at("09:05")), at: T.at("09:06"))
        #expect(actions == [.sleep(until: T.at("10:00"))])
        #expect(scheduler.status(of: "p")?.running == T.run(1))
    }

    @Test func reloadingAnUnchangedPipelineKeepsItsNextFireTime() {
        var scheduler = Scheduler(seed: 5)
        let pipeline = T.pipeline("*/5 * * * *", jitter: .seconds(90))
        _ = scheduler.handle(.added("p", pipeline, lastFire: nil), at: T.at("09:01"))
        let before = scheduler.status(of: "p")
        _ = scheduler.handle(.added("p", pipeline, lastFire: nil), at: T.at("09:02"))
        #expect(scheduler.status(of: "p") == before)
    }

    @Test func changedPoliciesApplyToTheNextRun() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("0 * * * *"), lastFire: nil), at: T.at("09:30"))
        _ = scheduler.handle(.tick, at: T.at("10:00"))
        let retrying = T.pipeline("0 * * * *", retry: RetryPolicy(maxAttempts: 2, initialDelay: .seconds(5)))
        _ = scheduler.handle(.added("p", retrying, lastFire: nil), at: T.at("10:01"))
        #expect(scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("10:02")).work == [
            .retry("p", scheduledAt: T.at("10:00"), attempt: 2, at: T.at("10:02:05")),
        ])
    }

    @Test func rebootRunsOnceAtStartUp() {
        var scheduler = Scheduler()
        #expect(scheduler.handle(.added("boot", T.pipeline("@reboot"), lastFire: T.at("08:00")), at: T.at("09:00")) == [
            .start("boot", run: T.run(1), scheduledAt: T.at("09:00"), attempt: 1),
            .sleep(until: nil),
        ])
        _ = scheduler.handle(.runFinished("boot", T.run(1), .success), at: T.at("09:01"))
        #expect(scheduler.handle(.tick, at: T.at("10:00")).work.isEmpty)
        // Reloading it changes nothing: start-up happened once.
        #expect(scheduler.handle(.added("boot", T.pipeline("@reboot"), lastFire: nil), at: T.at("10:01")).work.isEmpty)
    }

    @Test func rebootAddedAfterStartUpNeverRuns() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.tick, at: T.at("09:00"))
        #expect(scheduler.handle(.added("boot", T.pipeline("@reboot"), lastFire: nil), at: T.at("09:05")) == [
            .skip("boot", scheduledAt: T.at("09:05"), reason: .notAtStartup),
            .sleep(until: nil),
        ])
    }
}
