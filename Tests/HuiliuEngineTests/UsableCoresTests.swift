import Foundation
@testable import HuiliuEngine
import Testing

/// The default parallelism follows the cores a process may use, not the cores the machine has.
struct UsableCoresTests {
    @Test func countsACPUList() {
        #expect(UsableCores.cpuListCount("0-3,8,10-11") == 7)
        #expect(UsableCores.cpuListCount("\t1") == 1)
        #expect(UsableCores.cpuListCount("3-1") == nil)
        #expect(UsableCores.cpuListCount("") == nil)
    }

    @Test func roundsACgroupQuotaUp() {
        #expect(UsableCores.quota(cpuMax: "max 100000") == nil)
        #expect(UsableCores.quota(cpuMax: "150000 100000") == 2)
        #expect(UsableCores.quota(cpuMax: "100000 100000") == 1)
        #expect(UsableCores.quota(cpuMax: "50000 100000") == 1)
    }

    /// A parent cgroup's quota bounds its children, so every level up to the root is read.
    @Test func readsEveryCgroupFromTheProcessesOwnUp() {
        #expect(UsableCores.ancestors("/sys/fs/cgroup", "/system.slice/huiliu.service")
                == ["/sys/fs/cgroup/system.slice/huiliu.service", "/sys/fs/cgroup/system.slice", "/sys/fs/cgroup"])
        #expect(UsableCores.ancestors("/sys/fs/cgroup", "/") == ["/sys/fs/cgroup"])
    }

    @Test func neverMoreThanTheMachineHasNorFewerThanOne() {
        #expect(UsableCores.count >= 1)
        #expect(UsableCores.count <= ProcessInfo.processInfo.activeProcessorCount)
    }
}
