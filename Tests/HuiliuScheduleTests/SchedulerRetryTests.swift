import Foundation
import HuiliuSchedule
import Testing

/// Retries with exponential back-off, and run timeouts.
struct SchedulerRetryTests {
    static let retry = RetryPolicy(maxAttempts: 4, initialDelay: .seconds(10), multiplier: 3, maxDelay: .seconds(60))

    /// Pipeline `p` (`0 * * * *`) whose 10:00 run (run 1) has started.
    func running(retry: RetryPolicy = retry, timeout: Duration? = nil, overlap: OverlapPolicy = .skip) -> Scheduler {
        var scheduler = Scheduler()
        let pipeline = T.pipeline("0 * * * *", overlap: overlap, retry: retry, timeout: timeout)
        _ = scheduler.handle(.added("p", pipeline, lastFire: nil), at: T.at("09:30"))
        _ = scheduler.handle(.tick, at: T.at("10:00"))
        _ = scheduler.handle(.runStarted("p", T.run(1)), at: T.at("10:00:01"))
        return scheduler
    }

    @Test func backOffGrowsAndIsCapped() {
        let policy = Self.retry
        #expect((1...5).map { policy.delay(afterAttempt: $0) } == [.seconds(10), .seconds(30), .seconds(60), .seconds(60), .seconds(60)])
        #expect(RetryPolicy.none.maxAttempts == 1)
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func aFailedRunIsRetriedAfterTheBackOff() {
        var scheduler = running()
        let failed = scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("10:02"))
        #expect(failed == [
            .retry("p", scheduledAt: T.at("10:00"), attempt: 2, at: T.at("10:02:10")),
            .sleep(until: T.at("10:02:10")),
        ])
        #expect(scheduler.status(of: "p")?.retryAt == T.at("10:02:10"))
        #expect(scheduler.handle(.tick, at: T.at("10:02:10")).work == [
            .start("p", run: T.run(2), scheduledAt: T.at("10:00"), attempt: 2),
        ])
    }

    @Test func everyAttemptFailsThenTheSchedulerGivesUp() {
        var scheduler = running()
        var now = T.at("10:01")
        var waits: [TimeInterval] = []
        for attempt in 1...4 {
            let actions = scheduler.handle(.runFinished("p", T.run(UInt64(attempt)), .failure), at: now)
            guard attempt < 4 else {
                #expect(actions == [.giveUp("p", scheduledAt: T.at("10:00"), attempts: 4), .sleep(until: T.at("11:00"))])
                break
            }
            let wake = try! #require(actions.wakeUp)
            waits.append(wake.timeIntervalSince(now))
            now = wake
            #expect(scheduler.handle(.tick, at: now).work == [
                .start("p", run: T.run(UInt64(attempt + 1)), scheduledAt: T.at("10:00"), attempt: attempt + 1),
            ])
        }
        #expect(waits == [10, 30, 60])
    }

    @Test func noRetryPolicyGivesUpAtOnce() {
        var scheduler = running(retry: .none)
        #expect(scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("10:01")).work == [
            .giveUp("p", scheduledAt: T.at("10:00"), attempts: 1),
        ])
    }

    @Test func successNeedsNoRetry() {
        var scheduler = running()
        #expect(scheduler.handle(.runFinished("p", T.run(1), .success), at: T.at("10:01")) == [.sleep(until: T.at("11:00"))])
    }

    @Test func aWaitingRetryCountsAsBusy() {
        let slow = RetryPolicy(maxAttempts: 2, initialDelay: .seconds(3600), maxDelay: .seconds(3600))
        for (overlap, expected) in [(OverlapPolicy.skip, [Scheduler.Action.skip("p", scheduledAt: T.at("11:00"), reason: .overlap)]),
                                    (.queue, [])] {
            var scheduler = running(retry: slow, overlap: overlap)
            _ = scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("10:30"))
            #expect(scheduler.handle(.tick, at: T.at("11:00")).work == expected)
            #expect(scheduler.handle(.tick, at: T.at("11:30")).work == [
                .start("p", run: T.run(2), scheduledAt: T.at("10:00"), attempt: 2),
            ])
            if overlap == .queue {
                #expect(scheduler.handle(.runFinished("p", T.run(2), .success), at: T.at("11:31")).work == [
                    .start("p", run: T.run(3), scheduledAt: T.at("11:00"), attempt: 1),
                ])
            }
        }
    }

    @Test func aRunPastItsTimeoutIsCancelledOnce() {
        var scheduler = running(timeout: .seconds(300))
        #expect(scheduler.nextWakeUp == T.at("10:05:01"))
        #expect(scheduler.handle(.tick, at: T.at("10:05:00")).work.isEmpty)
        #expect(scheduler.handle(.tick, at: T.at("10:05:01")) == [
            .cancel("p", run: T.run(1), reason: .timedOut),
            .sleep(until: T.at("11:00")),
        ])
        #expect(scheduler.handle(.tick, at: T.at("10:06")).work.isEmpty)
    }

    @Test func aTimedOutRunIsRetriedLikeAnyFailure() {
        var scheduler = running(timeout: .seconds(300))
        _ = scheduler.handle(.tick, at: T.at("10:05:01"))
        #expect(scheduler.handle(.runFinished("p", T.run(1), .failure), at: T.at("10:05:03")).work == [
            .retry("p", scheduledAt: T.at("10:00"), attempt: 2, at: T.at("10:05:13")),
        ])
        // The retry gets a full timeout of its own.
        _ = scheduler.handle(.tick, at: T.at("10:05:13"))
        _ = scheduler.handle(.runStarted("p", T.run(2)), at: T.at("10:05:14"))
        #expect(scheduler.nextWakeUp == T.at("10:10:14"))
    }

    @Test func timeoutCountsFromTheStartRequestWhenNoStartIsReported() {
        var scheduler = Scheduler()
        _ = scheduler.handle(.added("p", T.pipeline("0 * * * *", timeout: .seconds(60)), lastFire: nil), at: T.at("09:30"))
        _ = scheduler.handle(.tick, at: T.at("10:00"))
        #expect(scheduler.handle(.tick, at: T.at("10:01")).work == [.cancel("p", run: T.run(1), reason: .timedOut)])
    }

    @Test func eventsForOtherRunsAreIgnored() {
        var scheduler = running()
        #expect(scheduler.handle(.runFinished("p", T.run(9), .failure), at: T.at("10:01")).work.isEmpty)
        #expect(scheduler.handle(.runFinished("nobody", T.run(1), .failure), at: T.at("10:01")).work.isEmpty)
        #expect(scheduler.handle(.runStarted("p", T.run(9)), at: T.at("10:01")).work.isEmpty)
        #expect(scheduler.status(of: "p")?.running == T.run(1))
    }
}
