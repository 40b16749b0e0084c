import Foundation
import HuiliuSchedule
import Testing

/// Fire times that passed while the daemon was down, or while it slept through a wake-up.
struct SchedulerMissedRunTests {
    @Test func skipReportsTheMissedTimesAndWaitsForTheNextOne() {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("0 * * * *", missedRuns: .skip)
        let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("05:00")), at: T.at("09:20"))
        #expect(actions == [
            .skip("p", scheduledAt: T.at("06:00"), reason: .missed),
            .sleep(until: T.at("10:00")),
        ])
    }

    @Test func runOnceRunsTheLatestMissedTimeOnce() {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("0 * * * *", missedRuns: .runOnce)
        let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("05:00")), at: T.at("09:20"))
        #expect(actions == [
            .start("p", run: T.run(1), scheduledAt: T.at("09:00"), attempt: 1),
            .sleep(until: T.at("10:00")),
        ])
    }

    /// A run cut short by a shutdown gives its fire time back (``Schedule/recordedBefore(_:)``):
    /// after the restart that time counts as missed, for an interval (counted from the last
    /// fire, so its phase is kept) as for cron.
    @Test func aFireTimeGivenBackIsCaughtUpAfterARestart() {
        for (expression, fire, next) in [("@every 2h", "09:00", "11:00"), ("0 * * * *", "09:00", "10:00")] {
            var scheduler = Scheduler()
            let pipeline = T.pipeline(expression, missedRuns: .runOnce)
            let recorded = pipeline.schedule.recordedBefore(T.at(fire))
            let actions = scheduler.handle(.added("p", pipeline, lastFire: recorded), at: T.at("09:00").addingTimeInterval(20))
            #expect(actions == [
                .start("p", run: T.run(1), scheduledAt: T.at(fire), attempt: 1),
                .sleep(until: T.at(next)),
            ], "\(expression)")
        }
    }

    @Test func runOnceSpreadsCatchUpRunsWithJitterFromNow() {
        var scheduler = Scheduler(seed: 3)
        var draws = SplitMix64(seed: 3)
        let pipeline = T.pipeline("0 * * * *", jitter: .seconds(30), missedRuns: .runOnce)
        let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("05:00")), at: T.at("09:20"))
        let start = T.at("09:20").addingTimeInterval(30 * draws.nextUnitInterval())
        #expect(actions == [.sleep(until: start)])
        #expect(scheduler.handle(.tick, at: start).work == [
            .start("p", run: T.run(1), scheduledAt: T.at("09:00"), attempt: 1),
        ])
    }

    @Test func nothingMissedWhenTheLastFireIsTheLatest() {
        for policy in MissedRunPolicy.allCases {
            var scheduler = Scheduler()
            let pipeline = T.pipeline("0 * * * *", missedRuns: policy)
            let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("09:00")), at: T.at("09:20"))
            #expect(actions == [.sleep(until: T.at("10:00"))])
        }
    }

    @Test func aLastFireAheadOfTheClockIsNotRunAgain() {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("*/10 * * * *", missedRuns: .runOnce)
        let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("09:30")), at: T.at("09:12"))
        #expect(actions == [.sleep(until: T.at("09:40"))])
    }

    @Test func missedEveryRunsCountFromTheLastFire() {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("@every 25m", missedRuns: .runOnce)
        let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("08:00")), at: T.at("09:20"))
        #expect(actions == [
            .start("p", run: T.run(1), scheduledAt: T.at("09:15"), attempt: 1),
            .sleep(until: T.at("09:40")),
        ])
    }

    @Test func aLongOutageOfAnEverySecondScheduleIsCheap() {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("* * * * * *", missedRuns: .runOnce)
        let actions = scheduler.handle(.added("p", pipeline, lastFire: T.at("2025-03-02T09:00")), at: T.at("09:00:00.5"))
        #expect(actions.work == [.start("p", run: T.run(1), scheduledAt: T.at("09:00"), attempt: 1)])
    }

    @Test func aLateTickRunsOnlyTheLatestDueTime() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        // The machine slept from 09:04 to 09:17.
        #expect(scheduler.handle(.tick, at: T.at("09:17")) == [
            .skip("p", scheduledAt: T.at("09:05"), reason: .missed),
            .start("p", run: T.run(1), scheduledAt: T.at("09:15"), attempt: 1),
            .sleep(until: T.at("09:20")),
        ])
    }
}
