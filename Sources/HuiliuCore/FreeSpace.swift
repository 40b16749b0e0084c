import Glibc

/// Room left on the file system that holds a directory.
public enum FreeSpace {
    /// What a store needs free to go on writing: a batch's commit, its write-ahead log, a page
    /// split or two. Below it, runs cannot start or be recorded.
    public static let needed = 16 << 20

    /// Whether the file system of `path` has `bytes` free for this user; true when it cannot
    /// be told (a check that fails says nothing of the disk).
    public static func hasRoom(at path: String, for bytes: Int = needed) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return true }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize) >= UInt64(max(0, bytes))
    }
}
