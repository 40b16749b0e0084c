public import Foundation
import Glibc

/// How a child process ended, learned from `waitpid` rather than from Foundation.
///
/// Foundation's `Process` on Linux notices an exit when a socket it shares with the child
/// closes. A grandchild, or a server another thread started meanwhile, can inherit that
/// socket and keep it open, and `waitUntilExit()` then waits forever for a child that is
/// long gone (swift-corelibs-foundation#4795).
public enum ProcessExit {
    /// Reaps `process` (started with Foundation's `Process`) and returns its exit status, or
    /// 128 + the signal number, and the signal. Blocks until the process ends.
    @discardableResult
    public static func wait(for process: Process) -> (status: Int32, signal: Int32?) {
        var status: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(process.processIdentifier, &status, 0) } while reaped < 0 && errno == EINTR
        guard reaped == process.processIdentifier else {
            // Foundation reaped it first and knows how it ended.
            process.waitUntilExit()
            let signaled = process.terminationReason == .uncaughtSignal
            return (signaled ? 128 + process.terminationStatus : process.terminationStatus, signaled ? process.terminationStatus : nil)
        }
        return decode(status)
    }

    /// The exit status (or 128 + the signal) and the signal, from a `waitpid` status word.
    public static func decode(_ status: Int32) -> (status: Int32, signal: Int32?) {
        let signal = status & 0x7F
        return signal != 0 ? (128 + signal, signal) : ((status >> 8) & 0xFF, nil)
    }
}
