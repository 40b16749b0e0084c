import Foundation

/// The CPU cores this process may actually use: those its affinity mask allows (`taskset`,
/// `docker --cpuset-cpus`), capped by a cgroup CPU quota (`docker --cpus`), rounded up.
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

    /// Whole cores a cgroup v2 `cpu.max` ("quota period", or "max period" for none) or a
    /// cgroup v1 CFS quota allows, rounded up.
    static func cgroupQuota() -> Int? {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let max = read("/sys/fs/cgroup/cpu.max") { return quota(cpuMax: max) }
        guard let quota = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").flatMap({ Int($0) }), quota > 0,
              let period = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us").flatMap({ Int($0) }), period > 0 else { return nil }
        return (quota + period - 1) / period
    }

    /// Whole cores in a cgroup v2 `cpu.max` line; nil for `max` (no quota).
    static func quota(cpuMax: String) -> Int? {
        let fields = cpuMax.split(separator: " ")
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }
}
