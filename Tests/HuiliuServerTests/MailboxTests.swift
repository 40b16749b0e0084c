@testable import HuiliuServer
import Testing

struct MailboxTests {
    @Test func returnsQueuedEventsInOrder() async {
        let mailbox = Mailbox<Int>()
        mailbox.post(1)
        mailbox.post(2)
        #expect(await mailbox.next(until: nil) == 1)
        #expect(await mailbox.next(until: nil) == 2)
    }

    @Test func returnsNilAtTheDeadline() async {
        let mailbox = Mailbox<Int>()
        #expect(await mailbox.next(until: .now + .milliseconds(20)) == nil)
        mailbox.post(3)
        #expect(await mailbox.next(until: .now + .seconds(5)) == 3)
    }

    @Test(.timeLimit(.minutes(1))) func wakesAWaitingReader() async {
        let mailbox = Mailbox<Int>()
        async let next = mailbox.next(until: .now + .seconds(10))
        // Posted only once the reader waits: a post before would be queued, not a wake-up.
        while !mailbox.hasWaitingReader { await Task.yield() }
        mailbox.post(7)
        #expect(await next == 7)
    }

    @Test func loosesNoEventThatRacesTheDeadline() async {
        let mailbox = Mailbox<Int>()
        var received: [Int] = []
        for i in 0..<200 {
            async let got = mailbox.next(until: .now + .microseconds(50))
            mailbox.post(i)
            if let value = await got { received.append(value) }
        }
        while let value = await mailbox.next(until: .now + .milliseconds(1)) { received.append(value) }
        #expect(received == Array(0..<200))
    }
}
