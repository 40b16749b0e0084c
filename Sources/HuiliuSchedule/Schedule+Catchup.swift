public import Foundation

extension Schedule {
    /// The latest fire time `t` with `start < t ≤ end`, or nil when none falls in that span.
    ///
    /// Used after downtime or a late wake-up. It probes back from `end` in doubling windows
    /// instead of walking from `start`, so a year of every-second fire times costs a few steps.
    /// - Parameters:
    ///   - start: The span's exclusive start, usually the last fire time that was handled.
    ///   - end: The span's inclusive end, usually now.
    ///   - anchor: Where `@every` periods are counted from.
    public func latestFire(after start: Date, through end: Date, anchor: Date) -> Date? {
        guard let first = next(after: start, anchor: anchor), first <= end else { return nil }
        if case .every(let interval) = rule {
            let periods = (end.timeIntervalSince(anchor) / Double(interval.seconds)).rounded(.down)
            return max(first, anchor.addingTimeInterval(periods * Double(interval.seconds)))
        }
        var window: TimeInterval = 60
        var cursor = first
        while end.addingTimeInterval(-window) > first {
            if let probe = next(after: end.addingTimeInterval(-window), anchor: anchor), probe <= end {
                cursor = max(cursor, probe)
                break
            }
            window *= 2
        }
        while let later = next(after: cursor, anchor: anchor), later <= end {
            cursor = later
        }
        return cursor
    }
}
