import CJemalloc
import Foundation

/// The process allocator: libjemalloc, linked into the executable so that it serves every
/// `malloc` and `free`, the Swift runtime's included.
///
/// Records are trees of small strings and arrays, and a pipeline frees them in the same
/// order, batch after batch; glibc's allocator spends a fifth of such a run consolidating
/// free lists, jemalloc's per-size slabs do not (see `huiliu bench`, which reports this).
enum Allocator {
    /// "jemalloc 5.3.0, 12.3 MiB allocated", or a note that jemalloc is not the one in use.
    static var description: String {
        var version: UnsafePointer<CChar>? = nil
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else {
            return "jemalloc unavailable"
        }
        let name = "jemalloc " + String(String(cString: version).prefix { $0 != "-" })
        // Statistics are a snapshot refreshed by writing the epoch.
        var epoch: UInt64 = 1
        _ = mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size)
        var allocated = 0
        size = MemoryLayout<Int>.size
        guard mallctl("stats.allocated", &allocated, &size, nil, 0) == 0 else { return name }
        // If the C library's malloc were serving the process, jemalloc would hold next to nothing.
        guard allocated > 0 else { return name + " linked but not serving malloc" }
        return name + String(format: ", %.1f MiB allocated", Double(allocated) / 1_048_576)
    }
}
