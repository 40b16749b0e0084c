import HuiliuCore
import HuiliuEnvironment
import Logging

/// Assessments of the frames a reader delivers: GB 3838 water classes and HJ 633 AQIs.
extension HJ212BatchReader {
    typealias Assessed = (data: Value, key: String, time: String)

    /// The GB 3838 class of each hour of a surface-water hour frame; the AQI of each hour of an
    /// air hour frame, and, when it is the station's first hour frame of a day, its 日报 for the
    /// day before. A split upload of stored history can cover several hours: each is assessed
    /// on its own.
    /// Days of an air station whose 日报 is to be issued again, revised, at the end of the batch.
    /// ``revise(_:)`` computes each once, with every hour the batch brought: per frame, a 补传 of
    /// six hours issued five reports of part of the day, one of which raised an alert the whole
    /// day did not support.
    struct Revisions {
        struct Day: Hashable {
            var mn: String
            var start: HJ212.Timestamp
        }

        /// Each day, with the frame of the batch that brought hours of it read last (its
        /// history holds the others, readable before it), and that frame's hours of the day.
        /// Buffer sequence, not stored order: a split upload completed late is stored as of its
        /// first packet, yet only read when complete, and what it revises is the day as read.
        fileprivate(set) var days: [(day: Day, frame: StoredFrame, measurements: [EnvironmentMeasurement])] = []

        fileprivate mutating func note(_ day: Day, _ frame: StoredFrame, _ measurements: [EnvironmentMeasurement]) {
            if let i = days.firstIndex(where: { $0.day == day }) {
                guard frame.sequence > days[i].frame.sequence else { return }
                days[i].frame = frame
                days[i].measurements = measurements
            } else {
                days.append((day, frame, measurements))
            }
        }
    }

    func assess(_ frame: StoredFrame, _ measurements: [EnvironmentMeasurement], revisions: inout Revisions) -> [Assessed] {
        guard frame.cn == DataInterval.hour.cn, !measurements.isEmpty else { return [] }
        let hours = Self.byPeriod(measurements)
        switch frame.st {
        case "21":
            // A section without a registered water body is not taken for a river: its TP limits may be a lake's.
            let body = stations[frame.mn]?.waterBody ?? .unknown
            return hours.compactMap { SurfaceWaterAssessment(measurements: $0, waterBody: body).map { ($0.data, $0.key, $0.time) } }
        case "22":
            noteLateDays(frame, hours, in: &revisions)
            return hours.flatMap { airAssessments(frame, $0, revisions: &revisions) }
        default:
            return []
        }
    }

    /// Measurements grouped by `period_start`, in the order the periods first appear.
    static func byPeriod(_ measurements: [EnvironmentMeasurement]) -> [[EnvironmentMeasurement]] {
        var groups: [[EnvironmentMeasurement]] = []
        var index: [Value: Int] = [:]
        for m in measurements {
            let period = m.data["period_start"] ?? .null
            if let i = index[period] {
                groups[i].append(m)
            } else {
                index[period] = groups.count
                groups.append([m])
            }
        }
        return groups
    }

    /// The AQI of one hour of an air station and, if this frame is the station's first for
    /// that day, the 日报 of the day before. The day's report waits for the next day's first
    /// hour rather than for 23:00, so a day whose last hour never comes is still reported;
    /// hours stored after that revise it (``Revisions``).
    private func airAssessments(_ frame: StoredFrame, _ measurements: [EnvironmentMeasurement],
                                revisions: inout Revisions) -> [Assessed] {
        guard case .string(let period)? = measurements.first?.data["period_start"],
              let start = HJ212.Timestamp(rfc3339: period) else { return [] }
        let hour = HJ212.Timestamp(secondsSince1970: AirQualityHours.hourStart(start))
        let day = HJ212.Timestamp(year: hour.year, month: hour.month, day: hour.day)!
        let edition = source.aqiStandard ?? AQIStandard.inForce(at: hour)
        var reportsYesterday = isFirstHourFrame(frame, ofDayStarting: day)
        if reportsYesterday && frame.order != frame.sequence {
            // A first hour completed by a late packet was read, and the report issued, where it was
            // first stored; issued again from the hours stored before that, it would undo every
            // revision since. It is revised instead, from the hours read before it.
            revisions.note(.init(mn: frame.mn, start: day.adding(seconds: -86_400)), frame, [])
            reportsYesterday = false
        }
        var from: HJ212.Timestamp?
        if reportsYesterday { from = day.adding(seconds: -86_400) }
        if edition == .hj633_2012 {
            let window = hour.adding(seconds: -23 * 3600)
            from = from.map { min($0, window) } ?? window
        }
        let history = from.map { airHistory(frame, measurements, from: $0, before: hour.adding(seconds: 3600)) }
        var results: [Assessed] = []
        if let hourly = AirQualityAssessment(measurements: measurements, standard: source.aqiStandard, history: history) {
            results.append((hourly.data, hourly.key, hourly.time))
        }
        if reportsYesterday, let history,
           let daily = AirQualityAssessment.daily(stationID: frame.mn, day: day.adding(seconds: -86_400), hours: history,
                                                  standard: source.aqiStandard) {
            results.append((daily.data, daily.key, daily.time))
        }
        return results
    }

    /// Notes each day this frame brings hours of after the day was reported (the station's next
    /// day had begun): a logger's 补传 after an outage revises the report, issued again with
    /// its key, so an upserting sink keeps the revised one.
    private func noteLateDays(_ frame: StoredFrame, _ hours: [[EnvironmentMeasurement]], in revisions: inout Revisions) {
        var days: [(day: HJ212.Timestamp, measurements: [EnvironmentMeasurement])] = []
        for measurements in hours {
            guard case .string(let period)? = measurements.first?.data["period_start"],
                  let start = HJ212.Timestamp(rfc3339: period),
                  let day = HJ212.Timestamp(year: start.year, month: start.month, day: start.day) else { continue }
            if let i = days.firstIndex(where: { $0.day == day }) {
                days[i].measurements += measurements
            } else {
                days.append((day, measurements))
            }
        }
        // Late as read: a split upload completed after the next day began is late, though it is
        // stored as of its first packet, before that day's first hour.
        for (day, measurements) in days where !isFirstHourFrame(frame, ofDayStarting: day.adding(seconds: 86_400), readable: true) {
            revisions.note(.init(mn: frame.mn, start: day), frame, measurements)
        }
    }

    /// The revised 日报 of each noted day, from the hours stored up to the last frame of the
    /// batch that brought some of it, with the frame it is to be delivered as.
    func revise(_ revisions: Revisions) -> [(frame: StoredFrame, assessed: Assessed)] {
        revisions.days.compactMap { day, frame, measurements in
            let history = airHistory(frame, measurements, from: day.start, before: day.start.adding(seconds: 86_400), readable: true)
            return AirQualityAssessment.daily(stationID: day.mn, day: day.start, hours: history, standard: source.aqiStandard)
                .map { (frame, ($0.data, $0.key, $0.time)) }
        }
    }

    /// Whether no hour frame of the station for the day starting at `day` was stored (or,
    /// `readable`, could be read) before `frame`. Only the buffer's fixed order counts, so a
    /// rerun decides the same way.
    private func isFirstHourFrame(_ frame: StoredFrame, ofDayStarting day: HJ212.Timestamp, readable: Bool = false) -> Bool {
        do {
            return try buffer.hourFrameCount(mn: frame.mn, from: day.rfc3339, before: day.adding(seconds: 86_400).rfc3339,
                                             storedBefore: readable ? frame.sequence : frame.order, readable: readable) == 0
        } catch {
            source.logger.warning("cannot read the station's earlier hours for its daily AQI", metadata: [
                "mn": "\(frame.mn)", "error": "\(error)",
            ])
            return false
        }
    }

    /// The station's hourly values from `from` up to `before`, from the hour frames stored (or,
    /// `readable`, readable) before this one, and this frame's own. A failed read leaves the history to this frame,
    /// which the moving averages and daily statistics then find too short, and is logged.
    private func airHistory(_ frame: StoredFrame, _ measurements: [EnvironmentMeasurement],
                            from: HJ212.Timestamp, before: HJ212.Timestamp, readable: Bool = false) -> AirQualityHours {
        var hours = AirQualityHours()
        do {
            let earlier = try buffer.hourFrames(mn: frame.mn, from: from.rfc3339, before: before.rfc3339,
                                                storedBefore: readable ? frame.sequence : frame.order, readable: readable)
            for stored in earlier {
                if let values = try? stored.measurements() { hours.add(values) }
            }
        } catch {
            source.logger.warning("cannot read the station's earlier hours for its AQI", metadata: [
                "mn": "\(frame.mn)", "error": "\(error)",
            ])
        }
        hours.add(measurements)
        return hours
    }
}
