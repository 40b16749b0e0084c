public import HuiliuCore

/// A station's AQI for one hour or day: an `environment.assessment` event of kind
/// `air_quality_index`.
public struct AirQualityAssessment: Sendable, Equatable {
    /// The event type.
    public static let type = "environment.assessment.v1"
    /// The `kind` member.
    public static let kind = "air_quality_index"

    /// The station's `MN`.
    public var stationID: String
    /// The period start, RFC 3339.
    public var periodStart: String
    /// `hour` (实时报) or `day` (日报).
    public var interval: DataInterval
    /// The indices.
    public var index: AirQualityIndex

    /// An assessment of given concentrations (µg/m³, CO in mg/m³).
    public init(stationID: String, periodStart: String, interval: DataInterval, index: AirQualityIndex) {
        self.stationID = stationID
        self.periodStart = periodStart
        self.interval = interval
        self.index = index
    }

    /// Assesses the valid measurements (flag `N`) of one hour or day frame.
    ///
    /// Hour frames give the 1-h indicators of the 实时报 (SO2, NO2, CO, O3, PM10, PM2.5).
    /// Day frames give the 24-h indicators; their O3 value is a daily mean, which is neither
    /// the maximum 8-h nor the maximum 1-h value the 日报 uses, so O3 is left out. Units are
    /// converted from mg/m³ or µg/m³ as the measurement says.
    /// - Parameters:
    ///   - measurements: one frame's normalized measurements.
    ///   - standard: the edition to apply; `nil` picks the one in force at the period start.
    /// - Returns: `nil` for real-time or minute data, or when no AQI pollutant is present.
    public init?(measurements: [EnvironmentMeasurement], standard: AQIStandard? = nil) {
        guard let first = measurements.first?.data,
              case .string(let station)? = first["station_id"],
              case .string(let period)? = first["period_start"],
              case .string(let intervalText)? = first["interval"],
              let interval = DataInterval(rawValue: intervalText), interval == .hour || interval == .day else { return nil }
        var concentrations: [AirIndicator: DecimalNumber] = [:]
        for m in measurements {
            guard m.data["valid"] == .bool(true), case .string(let code)? = m.data["parameter_code"],
                  case .decimal(let value)? = m.data["value"],
                  let indicator = Self.indicator(code: code, interval: interval),
                  let converted = Self.convert(value, unit: m.data["unit"]?.stringValue, to: indicator) else { continue }
            concentrations[indicator] = converted
        }
        guard !concentrations.isEmpty else { return nil }
        let edition = standard ?? Self.standard(forPeriodStart: period)
        self.init(stationID: station, periodStart: period, interval: interval,
                  index: AirQualityIndex(concentrations: concentrations, standard: edition))
    }

    static func indicator(code: String, interval: DataInterval) -> AirIndicator? {
        let hourly = interval == .hour
        switch code {
        case "a21026": return hourly ? .so2_1h : .so2_24h
        case "a21004": return hourly ? .no2_1h : .no2_24h
        case "a21005": return hourly ? .co_1h : .co_24h
        case "a05024": return hourly ? .o3_1h : nil
        case "a34002": return hourly ? .pm10_1h : .pm10_24h
        case "a34004": return hourly ? .pm25_1h : .pm25_24h
        default: return nil
        }
    }

    /// The value in the indicator's unit (µg/m³, CO mg/m³), or `nil` for an unknown unit.
    static func convert(_ value: DecimalNumber, unit: String?, to indicator: AirIndicator) -> DecimalNumber? {
        let micrograms: Bool
        switch unit {
        case "µg/m³", "μg/m³", "ug/m3", "µg/m3", "μg/m3": micrograms = true
        case "mg/m³", "mg/m3": micrograms = false
        default: return nil
        }
        switch (indicator.isMilligrams, micrograms) {
        case (true, true): return value.timesPowerOfTen(-3)
        case (false, false): return value.timesPowerOfTen(3)
        default: return value
        }
    }

    /// The edition in force at an RFC 3339 period start written by this module.
    static func standard(forPeriodStart text: String) -> AQIStandard {
        // `YYYY-MM-DD…+08:00`: the local date decides, and it compares as text.
        text.prefix(10) >= "2026-03-01" ? .hj633_2026 : .hj633_2012
    }

    /// The natural key `station/air_quality_index/standard/interval/period_start`.
    public var key: String {
        [stationID, Self.kind, index.standard.rawValue, interval.rawValue, periodStart].joined(separator: "/")
    }

    /// The event time: the period start.
    public var time: String { periodStart }

    /// The event payload; `aqi`, `level` and `category` are `null` when the AQI is "NA".
    public var data: Value {
        var object = Object(minimumCapacity: 10)
        object.appendUnchecked(key: "kind", value: .string(Self.kind))
        object.appendUnchecked(key: "station_id", value: .string(stationID))
        object.appendUnchecked(key: "period_start", value: .string(periodStart))
        object.appendUnchecked(key: "interval", value: .string(interval.rawValue))
        object.appendUnchecked(key: "standard", value: .string(index.standard.rawValue))
        object.appendUnchecked(key: "aqi", value: index.aqi.map { .integer($0) } ?? .null)
        var iaqi = Object(minimumCapacity: index.iaqi.count)
        for (indicator, value) in index.iaqi { iaqi.appendUnchecked(key: indicator.rawValue, value: .integer(value)) }
        object.appendUnchecked(key: "iaqi", value: .object(iaqi))
        object.appendUnchecked(key: "primary_pollutants", value: .array(index.primaryPollutants.map { .string($0.rawValue) }))
        object.appendUnchecked(key: "level", value: index.level.map { .string($0.level) } ?? .null)
        object.appendUnchecked(key: "category", value: index.level.map { .string($0.category) } ?? .null)
        return .object(object)
    }

    /// The assessment as a pipeline record.
    public func record(origin: RecordOrigin) -> Record {
        var record = Record(data: data, origin: origin, key: key, type: Self.type)
        record.time = time
        return record
    }
}
