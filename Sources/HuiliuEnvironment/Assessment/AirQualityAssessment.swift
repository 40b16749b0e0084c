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
    /// The concentrations assessed, by indicator (µg/m³, CO in mg/m³).
    public var concentrations: [AirIndicator: DecimalNumber]
    /// The indices.
    public var index: AirQualityIndex

    /// An assessment of given concentrations (µg/m³, CO in mg/m³).
    public init(stationID: String, periodStart: String, interval: DataInterval,
                concentrations: [AirIndicator: DecimalNumber], standard: AQIStandard) {
        self.stationID = stationID
        self.periodStart = periodStart
        self.interval = interval
        self.concentrations = concentrations
        index = AirQualityIndex(concentrations: concentrations, standard: standard)
    }

    /// Assesses the valid measurements (flag `N`) of one hour or day frame.
    ///
    /// Hour frames give the 实时报. Under HJ 633-2026 it is the 1-h values of SO2, NO2, CO, O3,
    /// PM10 and PM2.5. HJ 633-2012 assesses PM by 24-h moving averages and adds the O3 8-h
    /// moving average; those come from `history` (the station's hours up to and including this
    /// one) and are left out without it. Day frames give the 24-h indicators; their O3 value is
    /// a daily mean, neither the maximum 8-h nor the maximum 1-h value the 日报 uses, so O3 is
    /// left out (``daily(stationID:day:hours:standard:)`` computes the whole 日报 from hours).
    /// Units are converted from mg/m³ or µg/m³ as the measurement says.
    /// - Parameters:
    ///   - measurements: one frame's normalized measurements.
    ///   - standard: the edition to apply; `nil` picks the one in force at the period start.
    ///   - history: the station's hourly values, for the HJ 633-2012 moving averages.
    /// - Returns: `nil` for real-time or minute data, or when no AQI pollutant is present.
    public init?(measurements: [EnvironmentMeasurement], standard: AQIStandard? = nil, history: AirQualityHours? = nil) {
        guard let first = measurements.first?.data,
              case .string(let station)? = first["station_id"],
              case .string(let period)? = first["period_start"],
              case .string(let intervalText)? = first["interval"],
              let interval = DataInterval(rawValue: intervalText), interval == .hour || interval == .day else { return nil }
        var concentrations: [AirIndicator: DecimalNumber] = [:]
        for m in measurements {
            guard let (indicator, value) = Self.concentration(m, interval: interval) else { continue }
            concentrations[indicator] = value
        }
        let edition = standard ?? Self.standard(forPeriodStart: period)
        if interval == .hour, edition == .hj633_2012, let history, let hour = HJ212.Timestamp(rfc3339: period) {
            concentrations[.o3_8h] = history.ozone8h(endingWith: hour)
            concentrations[.pm10_24h] = history.average(.pm10_1h, hours: 24, endingWith: hour, minimum: 20)
            concentrations[.pm25_24h] = history.average(.pm25_1h, hours: 24, endingWith: hour, minimum: 20)
            // Above 800 µg/m³ the 1-h SO2 has no IAQI in 2012; its 24-h average is reported instead.
            if let so2 = concentrations[.so2_1h], DecimalNumber.compare(so2, DecimalNumber(significand: 800, exponent: 0)) > 0 {
                concentrations[.so2_24h] = history.average(.so2_1h, hours: 24, endingWith: hour, minimum: 20)
            }
        }
        guard !concentrations.isEmpty else { return nil }
        self.init(stationID: station, periodStart: period, interval: interval, concentrations: concentrations,
                  standard: edition)
    }

    /// The 日报 of the natural day starting at `day` (00:00), from the station's hourly values:
    /// daily means of SO2, NO2, CO, PM10 and PM2.5 and the daily maximum 8-h O3 average, and
    /// under HJ 633-2012 also the daily maximum 1-h O3 value. Indicators without enough valid
    /// hours are left out (so under HJ 633-2026 the AQI may be "NA").
    /// - Returns: `nil` when no indicator has enough hours.
    public static func daily(stationID: String, day: HJ212.Timestamp, hours: AirQualityHours,
                             standard: AQIStandard? = nil) -> AirQualityAssessment? {
        let period = day.rfc3339
        let edition = standard ?? Self.standard(forPeriodStart: period)
        var concentrations: [AirIndicator: DecimalNumber] = [:]
        for (daily, hourly) in [(AirIndicator.so2_24h, AirIndicator.so2_1h), (.no2_24h, .no2_1h), (.co_24h, .co_1h),
                                (.pm10_24h, .pm10_1h), (.pm25_24h, .pm25_1h)] {
            concentrations[daily] = hours.dailyMean(hourly, day: day)
        }
        concentrations[.o3_8h] = hours.ozoneDailyMaximum8h(day: day)
        if edition == .hj633_2012 { concentrations[.o3_1h] = hours.dailyMaximum(.o3_1h, day: day) }
        guard !concentrations.isEmpty else { return nil }
        return AirQualityAssessment(stationID: stationID, periodStart: period, interval: .day,
                                    concentrations: concentrations, standard: edition)
    }

    /// The indicator and concentration (in the indicator's unit) of a valid measurement of an
    /// AQI pollutant, or `nil`.
    static func concentration(_ m: EnvironmentMeasurement, interval: DataInterval) -> (AirIndicator, DecimalNumber)? {
        guard m.data["valid"] == .bool(true), case .string(let code)? = m.data["parameter_code"],
              let indicator = Self.indicator(code: code, interval: interval),
              let value = Self.decimal(m.data["value"]),
              let converted = Self.convert(value, unit: m.data["unit"]?.stringValue, to: indicator) else { return nil }
        return (indicator, converted)
    }

    /// A measured value as a decimal: the normalizer writes decimals, but integers are valid too.
    private static func decimal(_ value: Value?) -> DecimalNumber? {
        switch value {
        case .decimal(let d)?: d
        case .integer(let i)?: DecimalNumber(significand: i, exponent: 0)
        default: nil
        }
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
        // Powers of ten from the unit to µg/m³: ng/m³ is HJ 212-2017's default for PM.
        guard let (toMicrograms, volume) = ConcentrationUnit.parse(unit), volume == .cubicMetre else { return nil }
        return value.timesPowerOfTen(toMicrograms - (indicator.isMilligrams ? 3 : 0))
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
        var object = Object(minimumCapacity: 12)
        object.appendUnchecked(key: "kind", value: .string(Self.kind))
        object.appendUnchecked(key: "station_id", value: .string(stationID))
        object.appendUnchecked(key: "period_start", value: .string(periodStart))
        object.appendUnchecked(key: "interval", value: .string(interval.rawValue))
        object.appendUnchecked(key: "standard", value: .string(index.standard.rawValue))
        object.appendUnchecked(key: "aqi", value: index.aqi.map { .integer($0) } ?? .null)
        var iaqi = Object(minimumCapacity: index.iaqi.count)
        for (indicator, value) in index.iaqi { iaqi.appendUnchecked(key: indicator.rawValue, value: .integer(value)) }
        object.appendUnchecked(key: "iaqi", value: .object(iaqi))
        // Only what has an IAQI: a value left out (negative, beyond 2012's tables) is not assessed.
        var assessed = Object(minimumCapacity: index.iaqi.count)
        for (indicator, _) in index.iaqi {
            if let value = concentrations[indicator] { assessed.appendUnchecked(key: indicator.rawValue, value: .decimal(value)) }
        }
        object.appendUnchecked(key: "concentrations", value: .object(assessed))
        object.appendUnchecked(key: "primary_pollutants", value: .array(index.primaryPollutants.map { .string($0.rawValue) }))
        // Beyond the scale the IAQI reads 500, but the AQI is more: say which pollutants went past it.
        let beyond = index.iaqi.compactMap { indicator, _ -> Value? in
            guard let value = concentrations[indicator],
                  AirQualityIndex.isAboveScale(indicator, concentration: value, standard: index.standard) else { return nil }
            return .string(indicator.rawValue)
        }
        if !beyond.isEmpty { object.appendUnchecked(key: "above_scale", value: .array(beyond)) }
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
