import Foundation
import HuiliuKit
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

    @Test func aServerThatWillNotExitIsAskedForABacktraceThenKilled() throws {
        let server = try SpawnedProcess("/bin/sleep", ["120"])
        #expect(server.isRunning)
        let ended = server.wait(timeout: .milliseconds(300))
        // Started with no blocked signals, whatever thread started it: SIGQUIT gets through.
        #expect(ended.timedOut && ended.signal == SIGQUIT)
        #expect(!server.isRunning)
        let quick = try SpawnedProcess("/bin/sh", ["-c", "exit 3"])
        let finished = quick.wait(timeout: .seconds(60))
        #expect(!finished.timedOut && finished.status == 3 && finished.signal == nil)
    }

    @Test func aChildRunsWhereItIsToldWithTheEnvironmentItIsGiven() throws {
        let directory = NSTemporaryDirectory()
        let result = try ChildCommand.run("/bin/sh", ["-c", "pwd; echo \"$GREETING\""], environment: ["GREETING": "你好"],
                                          directory: directory)
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && URL(fileURLWithPath: lines[0]).standardized == URL(fileURLWithPath: directory).standardized)
        #expect(lines.last == "你好")
    }
}
