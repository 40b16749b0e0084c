public import Foundation
import CSpawn
import Glibc
import Synchronization

/// A child process started with `posix_spawn`, as connectors and servers need it started.
///
/// Unlike Foundation's `Process` on Linux, the child gets no descriptor beyond its three: a
/// connector started by the daemon must not hold the daemon's listening sockets or its device
/// connections (a connection the daemon closes stays open while a child holds a copy), and a
/// socket opened on another thread while Foundation prepares its spawn slips through its
/// close list. It also starts with no blocked signals: the concurrency pool's threads block
/// most of them, and a child inherits the mask of the thread that starts it.
public final class SpawnedProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe whose other end this process holds (``standardInput`` and the like).
        case pipe
        /// A file, created if missing, appended to.
        case file(String)
        /// Standard error only: wherever standard output goes.
        case standardOutput
    }

    /// A child that could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The child's process id.
    public let pid: Int32
    /// The write end of the child's standard input, when it is a pipe.
    public let standardInput: FileHandle?
    /// The read end of the child's standard output, when it is a pipe.
    public let standardOutput: FileHandle?
    /// The read end of the child's standard error, when it is a pipe.
    public let standardError: FileHandle?
    private let ended = Mutex<(status: Int32, signal: Int32?)?>(nil)

    /// Starts `executable` (a path) with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment; `nil` passes this process's on.
    ///   - directory: the child's working directory; `nil` keeps this process's.
    ///   - processGroup: lead a process group of its own, so ``signalGroup(_:)`` reaches what it starts.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                directory: String? = nil, standardInput input: Stream = .null, standardOutput output: Stream = .pipe,
                standardError error: Stream = .pipe, processGroup: Bool = true) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        func fail(_ message: String) -> SpawnError {
            for case let fd? in parentEnds { close(fd) }
            return SpawnError(description: "cannot start \(executable): \(message)")
        }
        for (target, stream) in [(Int32(0), input), (1, output), (2, error)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, target)
            case .pipe:
                var fds: [Int32] = [-1, -1]
                guard pipe(&fds) == 0 else { throw fail("no pipe: \(String(cString: strerror(errno)))") }
                // Close-on-exec on both ends; dup2 clears it on the copy the child keeps.
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let (parent, child) = target == 0 ? (fds[1], fds[0]) : (fds[0], fds[1])
                parentEnds[Int(target)] = parent
                childEnds.append(child)
                posix_spawn_file_actions_adddup2(&actions, child, target)
            }
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if processGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var child: pid_t = 0
        let spawned = envp.map { posix_spawn(&child, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw fail(String(cString: strerror(spawned))) }
        pid = child
        standardInput = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// Sends `signal` to the child, unless it was already reaped (its pid may be another's by then).
    public func signal(_ signal: Int32) {
        ended.withLock { ended in
            if ended == nil { _ = kill(pid, signal) }
        }
    }

    /// Sends `signal` to the child's process group (to the child alone if it leads none).
    public func signalGroup(_ signal: Int32) {
        ended.withLock { ended in
            guard ended == nil else { return }
            if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
        }
    }

    /// Blocks until the child exits, without reaping it: its pid, and so its process group's
    /// id, stay its own until ``wait()``, so ``signalGroup(_:)`` still reaches only what it left
    /// behind (a background job holding its output), never a group that took the id over.
    public func waitForExit() {
        guard ended.withLock({ $0 }) == nil else { return }
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
    }

    /// True until the child is reaped (by ``wait()`` or ``isRunning``).
    public var isUnreaped: Bool { ended.withLock { $0 == nil } }

    /// True until the child has exited (reaping it if it has).
    public var isRunning: Bool {
        ended.withLock { ended in
            if ended != nil { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            ended = Self.decode(status)
            return false
        }
    }

    /// The exit status (or 128 + the signal) and the signal, from a `waitpid` status word.
    static func decode(_ status: Int32) -> (status: Int32, signal: Int32?) {
        let signal = status & 0x7F
        return signal != 0 ? (128 + signal, signal) : ((status >> 8) & 0xFF, nil)
    }

    /// Blocks until the child exits; its exit status (or 128 + the signal) and the signal.
    @discardableResult
    public func wait() -> (status: Int32, signal: Int32?) {
        if let known = ended.withLock({ $0 }) { return known }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, 0)
            if reaped == pid {
                let decoded = Self.decode(status)
                return ended.withLock { ended in
                    if ended == nil { ended = decoded }
                    return ended!
                }
            }
            if reaped < 0 && errno == EINTR { continue }
            // Reaped by another waiter (`isRunning` or a second `wait`): it records the outcome.
            while true {
                if let known = ended.withLock({ $0 }) { return known }
                usleep(1_000)
            }
        }
    }
}
