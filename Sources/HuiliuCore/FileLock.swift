import Foundation
import Glibc

/// An exclusive lock on a file across processes (`flock`). The kernel drops it when the
/// process dies, so a crash never leaves it stuck.
public final class FileLock {
    private let descriptor: Int32

    /// Whether another process holds the lock of `path` now (it is taken for an instant to
    /// tell, and not waited for); false when there is no such file.
    public static func isHeld(path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    /// Locks `path`, creating it and its directory if missing, or returns `nil` if another
    /// process holds the lock.
    public init?(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLockError("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard Self.lock(fd) else {
            close(fd)
            return nil
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Takes an exclusive lock on an open descriptor; false if another process holds it.
    ///
    /// A process being spawned holds a copy of every descriptor until it execs, and with it a
    /// lock its parent just released: a held lock is tried again for half a second.
    public static func lock(_ descriptor: Int32) -> Bool {
        for attempt in 0..<20 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            if attempt < 19 { usleep(25_000) }
        }
        return false
    }
}

/// A lock file that could not be created.
public struct FileLockError: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
