import Foundation
import HuiliuKitTesting
import Testing

/// The test kit's way of running commands: what a hung or leaky command does to the suite.
struct ChildCommandTests {
    @Test func aCommandPastItsTimeoutIsStoppedAndSaysSo() throws {
        let result = try ChildCommand.run("/bin/sleep", ["120"], timeout: .milliseconds(300))
        #expect(result.timedOut)
        // SIGQUIT first, so a Swift command prints where it was stuck before it ends.
        #expect(result.signal == SIGQUIT)
        let quick = try ChildCommand.run("/bin/echo", ["done"], timeout: .seconds(60))
        #expect(!quick.timedOut && quick.status == 0 && quick.stdoutText == "done\n")
    }

    @Test func aChildInheritsNoDescriptorButItsThree() throws {
        // A pipe opened without close-on-exec, as Foundation's are: a long-lived child holding
        // its write end would keep whoever reads it waiting for an end that never comes.
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let probe = try ChildCommand.run("/bin/sh", ["-c", "test -e /proc/$$/fd/\(fds[1]) && echo open || echo closed"])
        #expect(probe.stdoutText == "closed\n")
    }

    @Test func aProcessThatWillNotExitIsKilledAfterItsTimeout() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["120"]
        try process.run()
        let ended = ChildCommand.wait(for: process, timeout: .milliseconds(300))
        // Started from a thread that blocks SIGQUIT (as the cooperative pool's do), it cannot
        // give a backtrace and is killed at once.
        #expect(ended.timedOut && (ended.signal == SIGKILL || ended.signal == SIGQUIT))
        let quick = Process()
        quick.executableURL = URL(fileURLWithPath: "/bin/true")
        try quick.run()
        let finished = ChildCommand.wait(for: quick, timeout: .seconds(60))
        #expect(!finished.timedOut && finished.status == 0)
    }
}
