public import Foundation

/// The fire times of a schedule after a start, in order, each computed when it is read; ends
/// when the schedule never fires again.
///
/// ```swift
/// for fire in try Schedule("*/15 9-17 * * MON-FRI").fireTimes(after: .now).prefix(3) { … }
/// ```
public struct FireTimes: Sequence, IteratorProtocol, Sendable {
    let schedule: Schedule
    let anchor: Date
    var cursor: Date?

    init(schedule: Schedule, after start: Date, anchor: Date) {
        self.schedule = schedule
        self.anchor = anchor
        self.cursor = start
    }

    public mutating func next() -> Date? {
        guard let current = cursor else { return nil }
        cursor = schedule.next(after: current, anchor: anchor)
        return cursor
    }
}

extension Schedule {
    /// The fire times after `date`; `@every` periods count from `anchor`, by default ``defaultAnchor``.
    public func fireTimes(after date: Date, anchor: Date? = nil) -> FireTimes {
        FireTimes(schedule: self, after: date, anchor: anchor ?? defaultAnchor)
    }
}
