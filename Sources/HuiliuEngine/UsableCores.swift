import Foundation

/// The CPU cores this process may actually use: those its affinity mask allows (`taskset`,
/// `docker --cpuset-cpus`), capped by its cgroup's CPU quota (`docker --cpus`, systemd's
/// `CPUQuota=`), rounded up.
/// `ProcessInfo.activeProcessorCount` counts every online core, so a pipeline confined to one
/// core transformed two batches at once and spent the difference switching between them.
enum UsableCores {
    static let count: Int = {
        var cores = ProcessInfo.processInfo.activeProcessorCount
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
           let allowed = cpuListCount(line.dropFirst("Cpus_allowed_list:".count)) {
            cores = min(cores, allowed)
        }
        if let quota = cgroupQuota() { cores = min(cores, quota) }
        return max(1, cores)
    }()

    /// Cores in a list such as `0-3,8,10-11`; nil if it does not parse.
    static func cpuListCount(_ list: Substring) -> Int? {
        var total = 0
        for part in list.split(separator: ",") {
            let bounds = part.trimmingCharacters(in: .whitespaces).split(separator: "-")
            guard let first = bounds.first.flatMap({ Int($0) }), let last = bounds.last.flatMap({ Int($0) }),
                  bounds.count <= 2, last >= first else { return nil }
            total += last - first + 1
        }
        return total > 0 ? total : nil
    }

    /// Whole cores the CPU quota of this process's cgroup allows, rounded up: the smallest
    /// quota on the way from its own cgroup (named in /proc/self/cgroup) up to the root, as a
    /// parent's limit bounds its children. cgroup v2 (`cpu.max`) or v1 (CFS quota and period).
    static func cgroupQuota() -> Int? {
        guard let lines = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        var smallest: Int?
        func consider(_ cores: Int?) { if let cores { smallest = min(smallest ?? cores, cores) } }
        for line in lines.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                for directory in ancestors("/sys/fs/cgroup", path) { consider(read(directory + "/cpu.max").flatMap(quota(cpuMax:))) }
            } else if fields[1].split(separator: ",").contains("cpu") {
                for mount in ["/sys/fs/cgroup/" + fields[1], "/sys/fs/cgroup/cpu"] {
                    for directory in ancestors(mount, path) {
                        guard let quota = read(directory + "/cpu.cfs_quota_us").flatMap({ Int($0) }), quota > 0,
                              let period = read(directory + "/cpu.cfs_period_us").flatMap({ Int($0) }), period > 0 else { continue }
                        consider((quota + period - 1) / period)
                    }
                }
            }
        }
        return smallest
    }

    /// `root + path` and each of its parents up to `root`.
    static func ancestors(_ root: String, _ path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var directories: [String] = []
        while true {
            directories.append(([root] + parts).joined(separator: "/"))
            if parts.isEmpty { return directories }
            parts.removeLast()
        }
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whole cores in a cgroup v2 `cpu.max` line; nil for `max` (no quota).
    static func quota(cpuMax: String) -> Int? {
        let fields = cpuMax.split(separator: " ")
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }
}
