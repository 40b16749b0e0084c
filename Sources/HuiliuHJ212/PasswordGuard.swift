import Synchronization

/// Slows the guessing of a device's password: past ``limit`` wrong passwords for one `MN` from
/// one address within ``window``, that `MN`'s frames from that address are refused for a
/// ``window``, whatever password they carry. Reconnecting reset nothing before, so a six-digit
/// password fell in minutes at two thousand guesses a second. Counted per address, guesses
/// from elsewhere cannot shut the station itself out. Only registered stations are counted
/// (an unknown `MN` is refused before its password is looked at); entries of addresses that
/// stopped are dropped once the table grows.
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

    /// Whether `mn`'s frames from `address` are refused now. Asked of every frame: with no wrong
    /// password on record it costs an uncontended lock and nothing else.
    func isLocked(_ mn: String, from address: String = "", now: ContinuousClock.Instant? = nil) -> Bool {
        entries.withLock { table in
            guard !table.isEmpty else { return false }
            let key = mn + "@" + address
            guard let until = table[key]?.lockedUntil else { return false }
            if until > now ?? .now { return true }
            table[key] = nil
            return false
        }
    }

    /// Counts a wrong password for `mn` from `address`; true when it locks them from now on.
    func failed(_ mn: String, from address: String = "", now: ContinuousClock.Instant = .now) -> Bool {
        let key = mn + "@" + address
        return entries.withLock { table in
            if table.count > 10_000 {
                table = table.filter { _, entry in
                    entry.lockedUntil.map { $0 > now } ?? entry.failures.contains { now - $0 <= window }
                }
            }
            var entry = table[key] ?? Entry()
            entry.failures.removeAll { now - $0 > window }
            entry.failures.append(now)
            var locks = false
            if entry.failures.count > limit, entry.lockedUntil == nil {
                entry.lockedUntil = now + window
                entry.failures.removeAll()
                locks = true
            }
            table[key] = entry
            return locks
        }
    }
}
