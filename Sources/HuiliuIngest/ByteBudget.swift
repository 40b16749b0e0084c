import Synchronization

/// Bytes that requests in flight may hold together: each reserves what it may hold before it
/// reads its body, and gives it back when answered.
final class ByteBudget: Sendable {
    let limit: Int
    private let reserved = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Reserves `bytes`; false (and nothing reserved) when that would pass the limit.
    func reserve(_ bytes: Int) -> Bool {
        guard reserved.add(bytes, ordering: .relaxed).newValue <= limit else {
            reserved.subtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back what ``reserve(_:)`` took.
    func release(_ bytes: Int) {
        reserved.subtract(bytes, ordering: .relaxed)
    }

    /// What is reserved now.
    var inUse: Int { reserved.load(ordering: .relaxed) }
}
