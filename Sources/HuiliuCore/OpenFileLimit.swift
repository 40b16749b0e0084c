import Glibc

/// The process's open-file limit, as the listeners share it out.
public enum OpenFileLimit {
    /// `wanted` connections, or fewer when the process may not open that many files: past the
    /// open-file limit a flood of connections would take the descriptors the buffers, the store
    /// and the runs need. The soft limit is raised to the hard one first, and a quarter of the
    /// descriptors stays for everything that is not a connection.
    public static func usableConnections(_ wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = limit.rlim_cur == rlim_t.max ? UInt64(Int.max) : UInt64(limit.rlim_cur)
        return min(wanted, max(16, Int(clamping: available - min(available, max(64, available / 4)))))
    }
}
