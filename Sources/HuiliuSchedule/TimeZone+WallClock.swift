import Foundation

/// How a wall-clock reading maps onto instants in one zone.
enum WallClockResolution: Equatable {
    /// The reading happens exactly once.
    case unique(Int64)
    /// The clock was set back, so the reading happens twice; `earlier` is Python's `fold=0`.
    case ambiguous(earlier: Int64, later: Int64)
    /// The clock jumped over the reading, so it never happens.
    case nonexistent
}

extension TimeZone {
    /// The wall-clock reading of `epochSeconds` in this zone, with the UTC offset in force then.
    func wallClock(at epochSeconds: Int64) -> (time: CivilDateTime, offset: Int) {
        let offset = utcOffset(at: epochSeconds)
        return (CivilDateTime(epochSeconds: epochSeconds + Int64(offset)), offset)
    }

    /// UTC offset in seconds at an instant.
    func utcOffset(at epochSeconds: Int64) -> Int {
        secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }

    /// The instants at which this zone's clocks show `wall`.
    func resolve(_ wall: CivilDateTime) -> WallClockResolution {
        let reading = wall.epochSeconds
        // Any offset in force near the reading is in force within a day of it, and real zones
        // never change offset twice within two days, so these probes see every candidate.
        var instants: [Int64] = []
        for probe in [reading - 86_400, reading, reading + 86_400] {
            let offset = Int64(utcOffset(at: probe))
            let instant = reading - offset
            if Int64(utcOffset(at: instant)) == offset, !instants.contains(instant) {
                instants.append(instant)
            }
        }
        instants.sort()
        switch instants.count {
        case 0: return .nonexistent
        case 1: return .unique(instants[0])
        default: return .ambiguous(earlier: instants[0], later: instants[instants.count - 1])
        }
    }
}
