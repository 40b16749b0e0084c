public import Foundation
import Glibc
import HuiliuKit

/// Runs a command to completion with `posix_spawn` and `waitpid`, for tests.
///
/// Foundation's `Process` can wait forever for a child that already exited (see
/// ``ProcessExit``). Here the pipes are close-on-exec, so no other child keeps them, and
/// the exit comes from `waitpid` on the child itself.
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
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: String? = nil, stdin: [UInt8] = [], mergeOutput: Bool = false) throws -> Output {
        ignoreBrokenPipes
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], error: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&error) == 0 else {
            throw SpawnError(description: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        for fd in input + output + error { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies the child keeps; the originals close at exec.
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, mergeOutput ? output[1] : error[1], 2)
        // glibc's addchdir_np is not visible to Swift; coreutils' env changes directory instead.
        let program = directory == nil ? executable : "/usr/bin/env"
        let words = directory.map { ["/usr/bin/env", "--chdir=\($0)", executable] } ?? [executable]
        let argv = (words + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp = variables.map { $0.map { strdup($0) } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }

        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, program, &actions, nil, argv, $0) }
            ?? posix_spawn(&pid, program, &actions, nil, argv, environ)
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
        while !reading.isEmpty || writing >= 0 {
            var polled = reading.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writing >= 0 { polled.append(pollfd(fd: writing, events: Int16(POLLOUT), revents: 0)) }
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
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

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let ended = ProcessExit.decode(status)
        return Output(status: ended.status, signal: ended.signal, stdout: out, stderr: err)
    }

    /// Waits for a child started with Foundation's `Process` (see ``ProcessExit``).
    @discardableResult
    public static func wait(for process: Process) -> (status: Int32, signal: Int32?) {
        ProcessExit.wait(for: process)
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
