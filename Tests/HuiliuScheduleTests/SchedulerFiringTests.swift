import Foundation
import HuiliuSchedule
import Testing

/// Fire times, wake-ups, `@every` anchoring and jitter.
struct SchedulerFiringTests {
    @Test func addingSleepsUntilTheFirstFireTime() {
        var scheduler = Scheduler()
        let actions = scheduler.handle(.added("a", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01:30"))
        #expect(actions == [.sleep(until: T.at("09:05"))])
        #expect(scheduler.nextWakeUp == T.at("09:05"))
        #expect(scheduler.pipelineNames == ["a"])
    }

    @Test func anEarlyTickDoesNothing() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("a", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        #expect(scheduler.handle(.tick, at: T.at("09:04:59")) == [.sleep(until: T.at("09:05"))])
    }

    @Test func aDueTickStartsTheRunAndMovesToTheNextFireTime() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("a", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        let actions = scheduler.handle(.tick, at: T.at("09:05:00.2"))
        #expect(actions == [
            .start("a", run: T.run(1), scheduledAt: T.at("09:05"), attempt: 1),
            .sleep(until: T.at("09:10")),
        ])
        #expect(scheduler.status(of: "a")?.running == T.run(1))
        #expect(scheduler.status(of: "a")?.nextFire == T.at("09:10"))
    }

    @Test func runIDsCountUpAcrossPipelines() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("b", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        _ = scheduler.handle(.added("a", T.pipeline("*/5 * * * *"), lastFire: nil), at: T.at("09:01"))
        // Actions come in name order, whatever order the pipelines were added in.
        #expect(scheduler.handle(.tick, at: T.at("09:05")).work == [
            .start("a", run: T.run(1), scheduledAt: T.at("09:05"), attempt: 1),
            .start("b", run: T.run(2), scheduledAt: T.at("09:05"), attempt: 1),
        ])
    }

    @Test func wakeUpIsTheEarliestOfAllPipelines() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("hourly", T.pipeline("0 * * * *"), lastFire: nil), at: T.at("09:01"))
        let actions = scheduler.handle(.added("often", T.pipeline("*/7 * * * *"), lastFire: nil), at: T.at("09:01"))
        #expect(actions.wakeUp == T.at("09:07"))
    }

    /// A new `@every` pipeline counts its periods from midnight, not from when it was added: two
    /// gateways sharing a store that load it at different moments fire at the same times (each
    /// had its own, won its own claim, and the pipeline ran twice per period).
    @Test func everyCountsFromMidnightWhereverItWasAdded() {
        var first = Scheduler(), second = Scheduler()
        let added = first.handle(.added("e", T.pipeline("@every 15m"), lastFire: nil), at: T.at("09:02:10"))
        #expect(added.wakeUp == T.at("09:15"))
        #expect(second.handle(.added("e", T.pipeline("@every 15m"), lastFire: nil), at: T.at("09:07:45")).wakeUp == T.at("09:15"))
        _ = first.handle(.tick, at: T.at("09:15"))
        #expect(first.status(of: "e")?.nextFire == T.at("09:30"))
    }

    /// The grid is the zone's standard clock of today: Singapore, at +7:30 in 1970 and +8 now,
    /// fires `@every 1h` on the hour.
    @Test func everysGridIsTheZonesStandardClockOfToday() throws {
        let singapore = try Schedule("@every 1h", zone: TimeZone(identifier: "Asia/Singapore")!)
        let next = try #require(singapore.next(after: Date(timeIntervalSince1970: 1_796_000_000), anchor: singapore.defaultAnchor))
        #expect(Int(next.timeIntervalSince1970) % 3600 == 0, "\(next)")
    }

    @Test func everyKeepsItsCadenceFromTheLastFireTime() {
        var scheduler = Scheduler()
        let actions = scheduler.handle(.added("e", T.pipeline("@every 1h30m"), lastFire: T.at("08:00")), at: T.at("09:00"))
        #expect(actions == [.sleep(until: T.at("09:30"))])
    }

    @Test func jitterDelaysTheStartButNotTheScheduledTime() {
        var scheduler = Scheduler(seed: 7)
        var draws = SplitMix64(seed: 7)
        let delay = 60 * draws.nextUnitInterval()
        let start = T.at("09:05").addingTimeInterval(delay)
        _ = scheduler.handle(.added("j", T.pipeline("*/5 * * * *", jitter: .seconds(60)), lastFire: nil), at: T.at("09:01"))
        #expect(scheduler.status(of: "j")?.nextStart == start)
        #expect(scheduler.handle(.tick, at: start.addingTimeInterval(-0.001)).work.isEmpty)
        #expect(scheduler.handle(.tick, at: start).work == [
            .start("j", run: T.run(1), scheduledAt: T.at("09:05"), attempt: 1),
        ])
        // The next fire time gets a fresh draw, always within [0, jitter).
        let next = draws.nextUnitInterval() * 60
        #expect(scheduler.status(of: "j")?.nextStart == T.at("09:10").addingTimeInterval(next))
    }

    @Test func sameSeedSameDraws() {
        func starts(seed: UInt64) -> [Date?] {
            var scheduler = Scheduler(seed: seed)
            _ = scheduler.handle(.added("j", T.pipeline("@hourly", jitter: .seconds(600)), lastFire: nil), at: T.at("09:01"))
            return [scheduler.status(of: "j")?.nextStart]
        }
        #expect(starts(seed: 1) == starts(seed: 1))
        #expect(starts(seed: 1) != starts(seed: 2))
    }

    @Test func jitterStaysBelowItsMaximum() {
        var draws = SplitMix64(seed: 99)
        for _ in 0..<10_000 {
            let u = draws.nextUnitInterval()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func aScheduleThatHasRunOutNeverWakes() {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("0 0 0 1 1 * 2026")
        let actions = scheduler.handle(.added("once", pipeline, lastFire: nil), at: T.at("09:00"))
        #expect(actions == [.sleep(until: nil)])
        #expect(scheduler.status(of: "once")?.nextFire == nil)
    }

    @Test func cronFireTimesFollowThePipelineZone() throws {
        var scheduler = Scheduler()
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let pipeline = ScheduledPipeline(schedule: try Schedule("0 9 * * *", zone: berlin))
        let actions = scheduler.handle(.added("eu", pipeline, lastFire: nil), at: T.at("09:00"))
        #expect(actions.wakeUp == RFC3339.parse("2026-03-02T09:00:00+01:00"))
    }
}
