public import Foundation
import Glibc
import CSpawn
import HuiliuKit

/// Runs a command to completion with `posix_spawn` and `waitpid`, for tests.
///
/// Foundation's `Process` can wait forever for a child that already exited (see
/// ``ProcessExit``). Here the pipes are close-on-exec, the child starts with no descriptor
/// but its three, and the exit comes from `waitpid` on the child
/// itself. A command that outlives its timeout is asked for a backtrace and killed, so a hung
/// command fails its test instead of stalling the suite.
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
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], error: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&error) == 0 else {
            throw SpawnError(description: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        // (pipe2 is out of Swift's reach. The moment before this matters little: children
        // started here or by Foundation's `Process` inherit no descriptor beyond their three.)
        for fd in input + output + error { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies the child keeps; the originals close at exec.
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, mergeOutput ? output[1] : error[1], 2)
        // Nothing else of the test process reaches the child, close-on-exec or not: Foundation's
        // pipes and exit-watching sockets are not, and a long-lived command holding one would
        // keep another test's child from ever looking finished.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        // Nor does the calling thread's signal mask: the cooperative pool's threads block most
        // signals, and a command started from one would shrug off SIGTERM and SIGQUIT.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), handled = sigset_t()
        sigemptyset(&none)
        sigemptyset(&handled)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGQUIT, SIGHUP] { sigaddset(&handled, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &handled)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // glibc's addchdir_np is not visible to Swift; coreutils' env changes directory instead.
        let program = directory == nil ? executable : "/usr/bin/env"
        let words = directory.map { ["/usr/bin/env", "--chdir=\($0)", executable] } ?? [executable]
        let argv = (words + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp = variables.map { $0.map { strdup($0) } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }

        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, program, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        close(input[0]); close(output[1]); close(error[1])
        guard spawned == 0 else {
            close(input[1]); close(output[0]); close(error[0])
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }

        // Feed standard input and drain both outputs together: a command that writes a lot
        // before reading (or the other way round) must not block on a full pipe.
        var out: [UInt8] = [], err: [UInt8] = []
        var written = 0
        var writing: Int32 = input[1]
        if stdin.isEmpty { close(writing); writing = -1 }
        var reading: [Int32] = [output[0], error[0]]
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
                if !reading.isEmpty { kill(pid, signalled) }
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
                    if n < 0 || written == stdin.count { close(writing); writing = -1 }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    if entry.fd == output[0] { out.append(contentsOf: buffer[0..<n]) } else { err.append(contentsOf: buffer[0..<n]) }
                } else if n == 0 || errno != EINTR {
                    close(entry.fd)
                    reading.removeAll { $0 == entry.fd }
                }
            }
        }

        for fd in reading { close(fd) }
        if writing >= 0 { close(writing) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let ended = ProcessExit.decode(status)
        return Output(status: ended.status, signal: ended.signal, stdout: out, stderr: err, timedOut: timedOut)
    }

    /// Waits for a child started with Foundation's `Process` (see ``ProcessExit``).
    @discardableResult
    public static func wait(for process: Process) -> (status: Int32, signal: Int32?) {
        ProcessExit.wait(for: process)
    }

    /// Whether SIGQUIT, sent to `pid`, would be neither blocked nor ignored (from /proc).
    private static func acceptsQuit(_ pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        let bit = UInt64(1) << UInt64(SIGQUIT - 1)
        for line in status.split(separator: "\n") where line.hasPrefix("SigBlk:") || line.hasPrefix("SigIgn:") {
            guard let mask = UInt64(line.split(separator: "\t").last ?? "", radix: 16), mask & bit == 0 else { return false }
        }
        return true
    }

    /// Waits up to `timeout` for a child started with Foundation's `Process`; past it, asks for
    /// a backtrace (SIGQUIT), then kills it. `timedOut` says whether it had to.
    @discardableResult
    public static func wait(for process: Process, timeout: Duration) -> (status: Int32, signal: Int32?, timedOut: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var status: Int32 = 0
        while clock.now < deadline {
            let reaped = waitpid(process.processIdentifier, &status, WNOHANG)
            if reaped == process.processIdentifier {
                let ended = ProcessExit.decode(status)
                return (ended.status, ended.signal, false)
            }
            // Reaped by Foundation already, or not ours: its own wait knows how it ended.
            if reaped < 0 && errno != EINTR { break }
            usleep(50_000)
        }
        if clock.now >= deadline {
            // Foundation's children keep the blocked signals of the thread that started them;
            // ask for a backtrace only where SIGQUIT gets through.
            if acceptsQuit(process.processIdentifier) {
                kill(process.processIdentifier, SIGQUIT)
                let grace = clock.now + .seconds(30)
                while clock.now < grace && waitpid(process.processIdentifier, &status, WNOHANG) == 0 { usleep(100_000) }
            }
            kill(process.processIdentifier, SIGKILL)
            let ended = ProcessExit.wait(for: process)
            return (ended.status, ended.signal, true)
        }
        let ended = ProcessExit.wait(for: process)
        return (ended.status, ended.signal, false)
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
