import Foundation
import CStdio
import HuiliuCore
import Glibc

/// Standard input, output and error as a command-line tool must treat them: Foundation's
/// `FileHandle` traps on a closed descriptor or a failed write, which cron jobs and
/// supervisors ignoring SIGPIPE hand a process, and `print` never says a write failed.
enum StandardStreams {
    /// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed. Otherwise the first
    /// file the command opens takes the number: a jsonl sink opened as descriptor 1 would
    /// receive the run's summary in its events. Opened the wrong way round (write-only for
    /// input, read-only for output), so reading and writing still fail as on a closed one:
    /// a `stdout` sink must not take a run's events into /dev/null and move the checkpoint.
    static func fillClosedDescriptors() {
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            _ = open("/dev/null", descriptor == 0 ? O_WRONLY : O_RDONLY)
        }
    }

    /// Everything on standard input; an error message when it cannot be read (closed, a directory).
    static func readInput() -> Result<Data, ReadFailure> {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n > 0 { data.append(contentsOf: buffer[..<n]); continue }
            if n == 0 { return .success(data) }
            if errno == EINTR { continue }
            return .failure(ReadFailure(reason: String(cString: strerror(errno))))
        }
    }

    struct ReadFailure: Error {
        let reason: String
    }

    /// Writes `text` to standard error, ignoring a failure: a diagnostic must never be what
    /// stops a command, and there is nowhere left to say it failed.
    static func writeError(_ text: String) {
        writeUnbuffered(text, to: 2)
    }

    /// Writes `text` to standard output at once, not when a buffer fills (a service manager
    /// must see a server's port), ignoring a failure as ``writeError(_:)`` does.
    static func writeNow(_ text: String) {
        writeUnbuffered(text, to: 1)
    }

    private static func writeUnbuffered(_ text: String, to descriptor: Int32) {
        Array(text.utf8).withUnsafeBytes { _ = DescriptorWrite.all($0, to: descriptor) }
    }

    /// Flushes standard output and says whether everything `print` wrote reached it (a full
    /// disk, a closed descriptor); the reason when it did not.
    static func flushOutput() -> String? {
        let failure = huiliu_flush_stdout()
        guard failure != 0 else { return nil }
        return failure > 0 ? String(cString: strerror(failure)) : "write error"
    }
}
