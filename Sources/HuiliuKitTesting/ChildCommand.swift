public import Foundation
import Glibc
public import HuiliuKit

/// Runs a command to completion, for tests: started as a ``SpawnedProcess`` (no descriptor of
/// the test process, no blocked signal), its output drained, its exit taken from `waitpid`.
///
/// Foundation's `Process` on Linux notices an exit when a socket it shares with the child
/// closes, and a child started meanwhile can inherit that socket: `waitUntilExit()` then
/// waits for as long as that child lives (swift-corelibs-foundation#4795). A command that
/// outlives its timeout is asked for a backtrace and killed, so a hung command fails its test
/// instead of stalling the suite.
public enum ChildCommand {
    /// What a finished command wrote and how it ended.
    public struct Output: Sendable {
        /// The exit status, or 128 + the signal number when a signal ended it.
        public var status: Int32
        /// The signal that ended the command, if one did.
        public var signal: Int32?
        /// Standard output (and standard error too when they were merged).
        public var stdout: [UInt8]
        /// Standard error, unless it was merged into `stdout`.
        public var stderr: [UInt8]
        /// True if the command ran past its timeout and was killed.
        public var timedOut = false

        /// Standard output as text.
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        /// Standard error as text.
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// A command that exits before reading all its input must not take the tests with it.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A command that could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// ``run(_:_:environment:directory:stdin:mergeOutput:timeout:)`` waited for on a thread of
    /// its own: an async test must not block one of the two cooperative threads every test
    /// shares for a whole command (a listener test's idle window ran out while curl ran).
    public static func output(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                              directory: String? = nil, timeout: Duration = .seconds(600)) async throws -> Output {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            Thread {
                continuation.resume(with: Result {
                    try run(executable, arguments, environment: environment, directory: directory, timeout: timeout)
                })
            }.start()
        }
    }

    /// Runs `executable` with `arguments` in `directory`, feeding it `stdin`, and waits for it.
    /// - Parameters:
    ///   - environment: the whole environment of the command; `nil` passes this process's on.
    ///   - mergeOutput: write standard error into `stdout`, as a terminal would show them.
    ///   - timeout: how long the command may run before it is asked for a backtrace (SIGQUIT,
    ///     which Swift programs answer on standard error) and killed.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: String? = nil, stdin: [UInt8] = [], mergeOutput: Bool = false,
                           timeout: Duration = .seconds(600)) throws -> Output {
        ignoreBrokenPipes
        // No descriptor of the test process reaches the child and no blocked signal either
        // (see ``SpawnedProcess``): a long-lived command holding another test's pipe would keep
        // that test's command from ever looking finished.
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(executable, arguments, environment: environment, directory: directory,
                                         standardInput: stdin.isEmpty ? .null : .pipe, standardOutput: .pipe,
                                         standardError: mergeOutput ? .standardOutput : .pipe, processGroup: false)
        } catch {
            throw SpawnError(description: "\(error)")
        }
        // Feed standard input and drain both outputs together: a command that writes a lot
        // before reading (or the other way round) must not block on a full pipe.
        var out: [UInt8] = [], err: [UInt8] = []
        var written = 0
        // The handles close their descriptors; here they are only read, written and closed through them.
        let handles = [process.standardInput, process.standardOutput, process.standardError].compactMap { $0 }
        func handle(_ fd: Int32) -> FileHandle? { handles.first { $0.fileDescriptor == fd } }
        var writing: Int32 = process.standardInput?.fileDescriptor ?? -1
        let outputFD = process.standardOutput!.fileDescriptor
        var reading: [Int32] = [outputFD] + (process.standardError.map { [$0.fileDescriptor] } ?? [])
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let clock = ContinuousClock()
        var deadline = clock.now + timeout
        var timedOut = false
        var signalled: Int32 = 0
        while !reading.isEmpty || writing >= 0 {
            var polled = reading.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writing >= 0 { polled.append(pollfd(fd: writing, events: Int16(POLLOUT), revents: 0)) }
            let left = deadline - clock.now
            if left <= .zero {
                // Past the timeout: a backtrace first, then (if it is still going) the end.
                timedOut = true
                switch signalled {
                case 0: signalled = SIGQUIT; deadline = clock.now + .seconds(30)
                case SIGQUIT: signalled = SIGKILL; deadline = clock.now + .seconds(5)
                default: reading.removeAll()  // A grandchild holds the output; stop reading it.
                }
                if !reading.isEmpty { process.signal(signalled) }
                continue
            }
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            let ready = poll(&polled, nfds_t(polled.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in polled where entry.revents != 0 {
                if entry.fd == writing {
                    let n = stdin.withUnsafeBytes { write(writing, $0.baseAddress! + written, $0.count - written) }
                    if n > 0 { written += n }
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 || written == stdin.count { try? handle(writing)?.close(); writing = -1 }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    if entry.fd == outputFD { out.append(contentsOf: buffer[0..<n]) } else { err.append(contentsOf: buffer[0..<n]) }
                } else if n == 0 || errno != EINTR {
                    try? handle(entry.fd)?.close()
                    reading.removeAll { $0 == entry.fd }
                }
            }
        }

        for handle in handles { try? handle.close() }
        let ended = process.wait()
        return Output(status: ended.status, signal: ended.signal, stdout: out, stderr: err, timedOut: timedOut)
    }
}

extension SpawnedProcess {
    /// Waits up to `timeout` for the child; past it, asks for a backtrace (SIGQUIT, which a Swift
    /// program answers on standard error), then kills it. `timedOut` says whether it had to.
    @discardableResult
    public func wait(timeout: Duration) -> (status: Int32, signal: Int32?, timedOut: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while isRunning && clock.now < deadline { usleep(50_000) }
        guard isRunning else {
            let ended = wait()
            return (ended.status, ended.signal, false)
        }
        signal(SIGQUIT)
        let grace = clock.now + .seconds(30)
        while isRunning && clock.now < grace { usleep(100_000) }
        signal(SIGKILL)
        let ended = wait()
        return (ended.status, ended.signal, true)
    }
}

/// True if something on 127.0.0.1 accepts a TCP connection on `port` now: how tests see that
/// a server they started is up.
public func loopbackAcceptsConnections(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
