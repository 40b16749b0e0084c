import HuiliuCore
import Foundation
import Synchronization

/// The zone a time is rendered in: a fixed offset, or an IANA zone whose offset
/// depends on the instant (Foundation's zone rules; Huiliu itself reads no file).
///
/// Most zones Huiliu meets stopped changing long ago (China's last change was the end
/// of summer time in 1991), so each rule remembers the instant after which its offset
/// is constant and answers from that without asking Foundation.
struct TimeZoneRule: Sendable {
    private let zone: TimeZone?
    /// Instants at or after this have `stableOffset`; `Int.max` if the zone still changes.
    private let stableSince: Int
    private let stableOffset: Int

    /// A fixed offset east of UTC.
    init(fixedSeconds seconds: Int) {
        zone = nil
        stableSince = .min
        stableOffset = seconds
    }

    init(zone: TimeZone) {
        self.zone = zone
        // Walk the transitions from 1970; if they end, the offset after the last is final.
        var since = 0
        var stable = false
        for _ in 0..<256 {
            guard let next = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(since))) else {
                stable = true
                break
            }
            since = Int(next.timeIntervalSince1970)
        }
        stableSince = stable ? since : .max
        stableOffset = TimeZoneRule.rounded(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(since))))
    }

    /// China Standard Time as the tz database has it (including 1986–1991 summer time).
    static let shanghai = TimeZone(identifier: "Asia/Shanghai").map(TimeZoneRule.init(zone:))
        ?? TimeZoneRule(fixedSeconds: 8 * 3_600)

    private static let cache = Mutex<[String: TimeZoneRule]>([:])

    /// `Asia/Shanghai`, `UTC`, `Z`, `+08:00`, `+0800` or `+08`; `nil` if unknown.
    static func named(_ text: String) -> TimeZoneRule? {
        if text == "Asia/Shanghai" { return shanghai }
        if text == "Z" || text == "UTC" || text == "GMT" { return TimeZoneRule(fixedSeconds: 0) }
        if let first = text.utf8.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            var scanner = TimestampScanner(text)
            guard let offset = scanner.offset(), scanner.atEnd else { return nil }
            return TimeZoneRule(fixedSeconds: offset)
        }
        if let cached = cache.withLock({ $0[text] }) { return cached }
        guard let zone = TimeZone(named: text) else { return nil }
        let rule = TimeZoneRule(zone: zone)
        cache.withLock { table in
            if table.count >= 64 { table.removeAll(keepingCapacity: true) }
            table[text] = rule
        }
        return rule
    }

    /// Seconds east of UTC at `instant` (seconds since the epoch), rounded to whole
    /// minutes because RFC 3339 offsets have no seconds (old local mean times do).
    func offset(at instant: Int) -> Int {
        guard instant < stableSince, let zone else { return stableOffset }
        return TimeZoneRule.rounded(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    private static func rounded(_ seconds: Int) -> Int {
        (seconds + (seconds >= 0 ? 30 : -30)) / 60 * 60
    }

    /// The instant at which the zone's clocks show `local` (seconds since the epoch as
    /// if UTC). Where summer time makes a wall time repeat, the earlier instant wins; a wall
    /// time the clocks skip is read with the offset before the change, so it lands as far
    /// after the change as it was written after it (02:30 on a 02:00→03:00 night is 03:30),
    /// as java.time and Python's zoneinfo do.
    func instant(forLocal local: Int) -> Int {
        // The offsets a day either side: a wall time near a change is read with one of them.
        let before = offset(at: local - 86_400), after = offset(at: local + 86_400)
        if before == after { return local - before }
        let candidates = [local - before, local - after].filter { offset(at: $0) == local - $0 }
        // Both valid: the wall time repeats. Neither: the clocks skipped it.
        return candidates.min() ?? local - before
    }
}
