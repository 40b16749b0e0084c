public import HuiliuCore

/// One station's valid hourly concentrations: what the moving averages of the HJ 633-2012
/// 实时报 and the daily statistics of the 日报 are computed from.
///
/// Validity follows GB 3095 table 4 (domain.md §3.7): an 8-h O3 average needs at least 6 of
/// its hours, a 24-h average (daily or moving) at least 20. The daily maximum 8-h O3 average
/// is the highest of the 17 windows inside the natural day (00–08 … 16–24) and needs at least
/// 14 valid windows, unless it exceeds the 160 µg/m³ class-2 limit anyway (the statistics
/// rule of HJ 663-2013, which domain.md does not cover). Averages keep four more decimals
/// than their hourly values: HJ 633-2026 rounds every concentration before the lookup (the
/// IAQI does that), HJ 633-2012 does not, and four digits are enough for the rounded-up IAQI
/// of a mean of up to 24 values to come out as from the exact mean.
public struct AirQualityHours: Sendable {
    /// Concentrations by hour start (seconds since 1970) and pollutant (its 1-h indicator).
    private var hours: [Int: [AirIndicator: DecimalNumber]] = [:]

    /// No hours yet.
    public init() {}

    /// The number of hours with at least one value.
    public var count: Int { hours.count }

    /// Adds the valid (flag `N`) AQI pollutants of one hour frame's measurements; other
    /// intervals and parameters are ignored.
    public mutating func add(_ measurements: [EnvironmentMeasurement]) {
        for m in measurements {
            guard m.data["interval"] == .string(DataInterval.hour.rawValue),
                  case .string(let start)? = m.data["period_start"], let hour = HJ212.Timestamp(rfc3339: start),
                  let (indicator, value) = AirQualityAssessment.concentration(m, interval: .hour) else { continue }
            hours[Self.hourStart(hour), default: [:]][indicator] = value
        }
    }

    /// The start of the hour containing `time`, in seconds since 1970 (China Standard Time
    /// is a whole number of hours from UTC, so UTC hours and local hours start together).
    public static func hourStart(_ time: HJ212.Timestamp) -> Int {
        let seconds = time.secondsSince1970
        return seconds - ((seconds % 3600) + 3600) % 3600
    }

    /// The concentration of `pollutant` (a 1-h indicator) in the hour starting at `hour`.
    public func value(_ pollutant: AirIndicator, hour: HJ212.Timestamp) -> DecimalNumber? {
        hours[Self.hourStart(hour)]?[pollutant]
    }

    /// The mean of `pollutant` over the `length` hours ending with the one starting at `last`,
    /// if at least `minimum` of them have a value.
    public func average(_ pollutant: AirIndicator, hours length: Int, endingWith last: HJ212.Timestamp,
                        minimum: Int) -> DecimalNumber? {
        let values = (0..<length).compactMap { hours[Self.hourStart(last) - 3600 * $0]?[pollutant] }
        guard values.count >= minimum else { return nil }
        return Self.mean(values)
    }

    /// The daily mean of `pollutant` over the natural day starting at `day` (00:00).
    public func dailyMean(_ pollutant: AirIndicator, day: HJ212.Timestamp) -> DecimalNumber? {
        average(pollutant, hours: 24, endingWith: day.adding(seconds: 23 * 3600), minimum: 20)
    }

    /// The highest 1-h value of `pollutant` in the day starting at `day`, given 20 hours of it.
    public func dailyMaximum(_ pollutant: AirIndicator, day: HJ212.Timestamp) -> DecimalNumber? {
        let values = (0..<24).compactMap { hours[Self.hourStart(day) + 3600 * $0]?[pollutant] }
        guard values.count >= 20 else { return nil }
        return values.max { DecimalNumber.compare($0, $1) < 0 }
    }

    /// The O3 8-h moving average ending with the hour starting at `last`.
    public func ozone8h(endingWith last: HJ212.Timestamp) -> DecimalNumber? {
        average(.o3_1h, hours: 8, endingWith: last, minimum: 6)
    }

    /// The daily maximum 8-h O3 average of the day starting at `day`.
    public func ozoneDailyMaximum8h(day: HJ212.Timestamp) -> DecimalNumber? {
        let windows = (7..<24).compactMap { ozone8h(endingWith: day.adding(seconds: $0 * 3600)) }
        guard let highest = windows.max(by: { DecimalNumber.compare($0, $1) < 0 }) else { return nil }
        guard windows.count >= 14 || DecimalNumber.compare(highest, DecimalNumber(significand: 160, exponent: 0)) > 0
        else { return nil }
        return highest
    }

    /// The mean of `values`, rounded half-even to four decimals more than the most precise
    /// value, without trailing zeros.
    ///
    /// Why four: a mean of n ≤ 24 values at scale s is k / (n·10^s), so an IAQI from it (slope
    /// at most 100 per breakpoint step) is an integer or at least 1 / (n·10^s·Δbreakpoint) from
    /// one; rounding the mean moves the IAQI by at most 100 · 0.5·10^-(s+4) / Δbreakpoint, less
    /// than that, so rounding it up gives the same integer as the exact mean would.
    static func mean(_ values: [DecimalNumber]) -> DecimalNumber? {
        let scale = values.map(\.fractionDigits).max() ?? 0
        var sum = 0
        for value in values {
            guard let scaled = value.scaled(toFractionDigits: scale) else { return nil }
            let (next, overflow) = sum.addingReportingOverflow(scaled)
            guard !overflow else { return nil }
            sum = next
        }
        guard let mean = DecimalNumber.quotient(DecimalNumber(significand: sum, exponent: -scale),
                                                DecimalNumber(significand: values.count, exponent: 0),
                                                fractionDigits: scale + 4) else { return nil }
        return mean.trimmingFractionZeros
    }
}
