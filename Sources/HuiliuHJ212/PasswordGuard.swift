import Synchronization

/// Slows the guessing of a device's password: past ``limit`` wrong passwords for one `MN`
/// within ``window``, that `MN`'s frames are refused for a ``window``, whatever password they
/// carry. Reconnecting reset nothing before, so a six-digit password fell in minutes at two
/// thousand guesses a second. A real device refused meanwhile keeps its data and sends it
/// again. Only registered stations are tracked (an unknown `MN` is refused before its password
/// is looked at), so the table is as large as the registry at most.
final class PasswordGuard: Sendable {
    /// Wrong passwords for one `MN` allowed within ``window``.
    let limit: Int
    /// How far back wrong passwords count, and how long a station stays refused.
    let window: Duration
    private let entries = Mutex<[String: Entry]>([:])

    struct Entry {
        var failures: [ContinuousClock.Instant] = []
        var lockedUntil: ContinuousClock.Instant?
    }

    init(limit: Int = 10, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Whether `mn`'s frames are refused now.
    func isLocked(_ mn: String, now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { table in
            guard let until = table[mn]?.lockedUntil else { return false }
            if until > now { return true }
            table[mn] = nil
            return false
        }
    }

    /// Counts a wrong password for `mn`; true when it makes the station refused from now on.
    func failed(_ mn: String, now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { table in
            var entry = table[mn] ?? Entry()
            entry.failures.removeAll { now - $0 > window }
            entry.failures.append(now)
            var locks = false
            if entry.failures.count > limit, entry.lockedUntil == nil {
                entry.lockedUntil = now + window
                entry.failures.removeAll()
                locks = true
            }
            table[mn] = entry
            return locks
        }
    }
}
