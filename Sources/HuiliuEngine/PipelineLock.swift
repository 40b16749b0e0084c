import Foundation
import Glibc

/// An exclusive lock on one pipeline across processes, so a scheduled run and a manual
/// `huiliu run` never sync the same pipeline at once. The kernel drops it when the
/// process dies, so a crash never leaves it stuck.
public final class PipelineLock {
    private let descriptor: Int32

    /// Takes the lock, or returns `nil` if another process holds it.
    public init?(directory: String, pipeline: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(directory + "/" + pipeline + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("cannot create lock file in \(directory): \(String(cString: strerror(errno)))") }
        // A process being spawned holds a copy of every descriptor until it execs, and with it a
        // lock its parent just released: a held lock is tried again for half a second.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard attempts < 20 else {
                close(fd)
                return nil
            }
            usleep(25_000)
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// A run that could not start or had to stop.
public struct RunError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public var message: String

    /// An error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
