import Foundation

extension CronFields {
    /// The first fire time strictly after `now` in `zone`, following croniter 7.0.0 through
    /// daylight-saving changes.
    ///
    /// croniter finds the next match on the wall clock, then attaches the zone:
    /// - A match inside a spring-forward gap moves to the first wall minute after the gap
    ///   (`30 2 * * *` fires at 03:00 that day), unless the hour field is `*`, in which case the
    ///   gap's matches are dropped (`*/30 * * * *` goes 01:30, 03:00, 03:30).
    /// - A match in a fall-back overlap takes its first occurrence still ahead of `now`, so a
    ///   time in the repeated hour fires in both occurrences (`30 1 * * *` in New York fires at
    ///   01:30 EDT and again at 01:30 EST).
    /// When both day fields are restricted, each side of the OR is searched on its own and the
    /// earlier result wins, as croniter does.
    func next(after now: Date, in zone: TimeZone) -> Date? {
        guard daysCombineWithOr else { return next(after: now, in: zone, mode: .combined) }
        let candidates = [
            next(after: now, in: zone, mode: .dayOfMonthOnly),
            next(after: now, in: zone, mode: .dayOfWeekOnly),
        ]
        return candidates.compactMap { $0 }.min()
    }

    private func next(after now: Date, in zone: TimeZone, mode: DayMode) -> Date? {
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let (nowWall, nowOffset) = zone.wallClock(at: nowSeconds)
        func isAfterNow(_ instant: Int64) -> Bool { TimeInterval(instant) > now.timeIntervalSince1970 }

        guard var wall = firstMatch(after: nowWall, mode: mode) else { return nil }
        var (instant, exists) = attach(wall, in: zone, isAfterNow: isAfterNow)
        if !exists && (!isAfterNow(instant) || hours.covers(0...23)) {
            while !exists {
                guard let later = firstMatch(after: wall, mode: mode) else { return nil }
                wall = later
                (instant, exists) = attach(wall, in: zone, isAfterNow: isAfterNow)
            }
        }
        let shift = zone.utcOffset(at: instant) - nowOffset
        guard shift != 0 else { return Date(timeIntervalSince1970: TimeInterval(instant)) }

        // The offset changed between now and the match: a match on the other offset's clock
        // may come first (the second pass through a repeated hour).
        var chosen = instant
        if let alternativeWall = firstMatch(after: nowWall.adding(seconds: Int64(shift)), mode: mode) {
            let (alternative, alternativeExists) = attach(alternativeWall, in: zone, isAfterNow: isAfterNow)
            if alternativeExists, isAfterNow(alternative), alternative < instant {
                chosen = alternative
            }
        }
        return Date(timeIntervalSince1970: TimeInterval(chosen))
    }

    /// croniter's `_add_tzinfo`: the instant for a wall time, and whether that wall time exists.
    private func attach(
        _ wall: CivilDateTime, in zone: TimeZone, isAfterNow: (Int64) -> Bool
    ) -> (instant: Int64, exists: Bool) {
        switch zone.resolve(wall) {
        case .unique(let instant):
            return (instant, true)
        case .ambiguous(let earlier, let later):
            return (isAfterNow(earlier) ? earlier : later, true)
        case .nonexistent:
            var shifted = wall
            // Walk forward a wall minute at a time, as croniter does; two days covers any gap.
            for _ in 0..<2880 {
                shifted = shifted.adding(seconds: 60)
                switch zone.resolve(shifted) {
                case .unique(let instant), .ambiguous(let instant, _): return (instant, false)
                case .nonexistent: continue
                }
            }
            return (shifted.epochSeconds - Int64(zone.utcOffset(at: shifted.epochSeconds)), false)
        }
    }
}
