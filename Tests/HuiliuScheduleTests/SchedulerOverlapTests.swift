import Foundation
import HuiliuSchedule
import Testing

/// Overlap policies: a pipeline never runs twice at once.
struct SchedulerOverlapTests {
    /// A scheduler whose pipeline `p` (`*/5`) is running run 1, scheduled at 09:05.
    func busy(_ overlap: OverlapPolicy) -> Scheduler {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *", overlap: overlap), lastFire: nil), at: T.at("09:01"))
        _ = scheduler.handle(.tick, at: T.at("09:05"))
        _ = scheduler.handle(.runStarted("p", T.run(1)), at: T.at("09:05"))
        return scheduler
    }

    @Test func skipDropsAFireTimeWhileBusy() {
        var scheduler = busy(.skip)
        #expect(scheduler.handle(.tick, at: T.at("09:10")) == [
            .skip("p", scheduledAt: T.at("09:10"), reason: .overlap),
            .sleep(until: T.at("09:15")),
        ])
        #expect(scheduler.status(of: "p")?.running == T.run(1))
        // Finishing starts nothing: the skipped time is gone.
        #expect(scheduler.handle(.runFinished("p", T.run(1), .success), at: T.at("09:12")).work.isEmpty)
        #expect(scheduler.handle(.tick, at: T.at("09:15")).work == [
            .start("p", run: T.run(2), scheduledAt: T.at("09:15"), attempt: 1),
        ])
    }

    @Test func queueRunsTheFireTimeWhenThePipelineIsFree() {
        var scheduler = busy(.queue)
        #expect(scheduler.handle(.tick, at: T.at("09:10")).work.isEmpty)
        #expect(scheduler.status(of: "p")?.queued == T.at("09:10"))
        #expect(scheduler.handle(.runFinished("p", T.run(1), .success), at: T.at("09:12")).work == [
            .start("p", run: T.run(2), scheduledAt: T.at("09:10"), attempt: 1),
        ])
        #expect(scheduler.status(of: "p")?.queued == nil)
    }

    @Test func queueHoldsAtMostOneRun() {
        var scheduler = busy(.queue)
        _ = scheduler.handle(.tick, at: T.at("09:10"))
        #expect(scheduler.handle(.tick, at: T.at("09:15")).work == [
            .skip("p", scheduledAt: T.at("09:15"), reason: .queueFull),
        ])
        #expect(scheduler.status(of: "p")?.queued == T.at("09:10"))
        // Only the one queued run follows, then the schedule goes on.
        #expect(scheduler.handle(.runFinished("p", T.run(1), .success), at: T.at("09:16")).work == [
            .start("p", run: T.run(2), scheduledAt: T.at("09:10"), attempt: 1),
        ])
        #expect(scheduler.handle(.runFinished("p", T.run(2), .success), at: T.at("09:17")).work.isEmpty)
    }

    @Test func aQueuedRunGoesBeforeAFireTimeDueAtTheSameMoment() {
        var scheduler = busy(.queue)
        _ = scheduler.handle(.tick, at: T.at("09:10"))
        // The run ends exactly when 09:15 is due: the older queued run starts, 09:15 queues.
        let actions = scheduler.handle(.runFinished("p", T.run(1), .success), at: T.at("09:15"))
        #expect(actions.work == [.start("p", run: T.run(2), scheduledAt: T.at("09:10"), attempt: 1)])
        #expect(scheduler.status(of: "p")?.queued == T.at("09:15"))
    }

    @Test func aBusyPipelineStillWakesForItsNextFireTime() {
        let scheduler = busy(.skip)
        // So the skip is reported on time.
        #expect(scheduler.nextWakeUp == T.at("09:10"))
    }

    @Test func neverTwoRunsAtOnceUnderEitherPolicy() {
        for overlap in OverlapPolicy.allCases {
            var scheduler = busy(overlap)
            var running = 1
            for minute in stride(from: 10, through: 55, by: 5) {
                let starts = scheduler.handle(.tick, at: T.at("09:\(minute)")).work.filter {
                    if case .start = $0 { true } else { false }
                }
                running += starts.count
                #expect(running == 1, "\(overlap) at 09:\(minute)")
            }
        }
    }
}
