public import Foundation

/// RFC 3339 timestamps with a numeric offset, as `huiliu schedule next` prints them.
public enum RFC3339 {
    /// `date` on the wall clock of `zone`, with that zone's offset: `2026-11-29T02:00:00+08:00`.
    ///
    /// Fractional seconds are dropped. Historic offsets with seconds (local mean time) are cut to
    /// whole minutes, and the wall time printed matches the printed offset.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let offset = zone.utcOffset(at: seconds) / 60 * 60
        let wall = CivilDateTime(epochSeconds: seconds + Int64(offset))
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(wall)\(sign)\(pad(minutes / 60)):\(pad(minutes % 60))"
    }

    /// Reads `2026-11-29T02:00:00+08:00`, `…Z`, fractional seconds, or a space for the `T`.
    ///
    /// - Parameters:
    ///   - text: The timestamp.
    ///   - localZone: When given, a timestamp without an offset (`2026-11-29T02:00`, seconds
    ///     optional) is read on this zone's wall clock; a repeated time takes its first
    ///     occurrence, a skipped one is refused.
    public static func parse(_ text: String, localZone: TimeZone? = nil) -> Date? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        func number(_ at: Int, _ width: Int) -> Int? {
            guard at + width <= s.count else { return nil }
            var n = 0
            for byte in s[at..<at + width] {
                guard (48...57).contains(byte) else { return nil }
                n = n * 10 + Int(byte - 48)
            }
            return n
        }
        guard s.count >= 16, let year = number(0, 4), s[4] == 45, let month = number(5, 2), s[7] == 45,
              let day = number(8, 2), s[10] == 84 || s[10] == 116 || s[10] == 32,
              let hour = number(11, 2), s[13] == 58, let minute = number(14, 2),
              (1...12).contains(month), (1...CivilDateTime.daysInMonth(year: year, month: month)).contains(day),
              hour < 24, minute < 60 else { return nil }
        var index = 16
        var second = 0
        var fraction = 0.0
        if index < s.count, s[index] == 58 {
            guard let sec = number(index + 1, 2), sec < 60 else { return nil }
            second = sec
            index += 3
            if index < s.count, s[index] == 46 {
                index += 1
                var scale = 0.1
                let start = index
                while index < s.count, (48...57).contains(s[index]) {
                    fraction += Double(s[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
        }
        let wall = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let instant: Int64
        if index == s.count {
            guard let localZone else { return nil }
            switch localZone.resolve(wall) {
            case .unique(let at), .ambiguous(let at, _): instant = at
            case .nonexistent: return nil
            }
        } else if s[index] == 90 || s[index] == 122, index + 1 == s.count {
            instant = wall.epochSeconds
        } else if s[index] == 43 || s[index] == 45, index + 6 == s.count,
                  let hours = number(index + 1, 2), s[index + 3] == 58, let minutes = number(index + 4, 2),
                  hours < 24, minutes < 60 {
            let offset = Int64(hours * 3600 + minutes * 60) * (s[index] == 45 ? -1 : 1)
            instant = wall.epochSeconds - offset
        } else {
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(instant) + fraction)
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
